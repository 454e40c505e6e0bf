"""The docs page at /api/docs/: Swagger UI's files, installed by deploy/up from a pinned PyPI package
and served by nginx, over the document at /api/openapi.json. Opened in headless Chromium (Debian's),
the rendered page must list every operation of docs/openapi.json, and load nothing from elsewhere."""
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
import requests

from conftest import BASE_URL, MODE, ROOT

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ONCE = pytest.mark.skipif(MODE != "pooled", reason="nginx serves the page alike in every mode; checked once per run")


class Operations(HTMLParser):
    """Swagger UI's operations in a rendered page: each opblock's method, then its data-path."""

    def __init__(self):
        super().__init__()
        self.found, self.method, self.in_method = set(), None, False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "opblock-summary-method" in classes:
            self.in_method = True
        elif "data-path" in attributes and self.method:
            self.found.add((self.method, attributes["data-path"]))
            self.method = None

    def handle_data(self, data):
        if self.in_method and data.strip():
            self.method, self.in_method = data.strip().upper(), False


def rendered(url):
    """The page's DOM after its scripts ran, as headless Chromium sees it."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed (deploy/test installs it)"
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--virtual-time-budget=30000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def documented_operations():
    with open(os.path.join(ROOT, "docs", "openapi.json"), encoding="utf-8") as document:
        paths = json.load(document)["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item if method in METHODS}


@ONCE
def test_the_rendered_docs_page_lists_every_operation_of_the_document():
    expected = documented_operations()
    parser = Operations()
    parser.feed(rendered(f"{BASE_URL}/api/docs/"))
    assert len(expected) > 40
    assert parser.found == expected, (sorted(expected - parser.found), sorted(parser.found - expected))


@ONCE
def test_the_docs_page_loads_only_files_of_this_server():
    page = requests.get(f"{BASE_URL}/api/docs/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all("//" not in asset for asset in assets), assets
    for asset, kind in [("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css"),
                        ("init.js", "text/javascript")]:
        response = requests.get(f"{BASE_URL}/api/docs/{asset}", timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(kind), asset
    with open(os.path.join(ROOT, "nginx", "docs", "init.js"), encoding="utf-8") as init:
        assert 'url: "/api/openapi.json"' in init.read()


@ONCE
def test_the_docs_address_without_its_slash_leads_to_the_page_and_a_missing_file_is_a_json_404():
    bare = requests.get(f"{BASE_URL}/api/docs", allow_redirects=False, timeout=10)
    assert bare.status_code == 301 and bare.headers["Location"] == "/api/docs/"
    missing = requests.get(f"{BASE_URL}/api/docs/nothing.js", timeout=10)
    assert missing.status_code == 404 and missing.json()["type"] == "urn:stacks:problem:not-found"
