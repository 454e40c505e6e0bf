"""The OpenAPI document (docs/openapi.json): a valid OpenAPI 3.1 document whose every example fits
its schema, which names every problem slug the workers and nginx can answer with, which nginx serves
at GET /api/openapi.json as it is, and whose schemas the real responses of a few endpoints fit."""
import json
import os
import re
import uuid

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import BASE_URL, ROOT, make_librarian, new_key, register

DOCUMENT_PATH = os.path.join(ROOT, "docs", "openapi.json")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_document():
    with open(DOCUMENT_PATH, encoding="utf-8") as document:
        return json.load(document)


DOCUMENT = load_document()
# The document is the root resource, so that "#/components/schemas/…" resolves inside it.
REGISTRY = Registry().with_resource("urn:stacks:openapi", Resource.from_contents(DOCUMENT, default_specification=DRAFT202012))


def absolute(schema):
    """`schema` with its document-relative $refs made absolute, so that it can be validated on its own."""
    return json.loads(json.dumps(schema).replace('"$ref": "#/', '"$ref": "urn:stacks:openapi#/'))


def resolve(node):
    """A component reference (`#/components/…`) followed to its object."""
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/components/"):
        target = DOCUMENT
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def check(schema, value):
    """The errors of `value` against `schema` (a schema of the document), as sentences."""
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for error in Draft202012Validator(absolute(schema), registry=REGISTRY, format_checker=FormatChecker()).iter_errors(value)]


def operations():
    """(path, method, operation) for every operation of the document."""
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def examples_of(container):
    """The example values of a media type, parameter or schema: `example` and `examples`."""
    found = []
    if "example" in container:
        found.append(("example", container["example"]))
    examples = container.get("examples")
    if isinstance(examples, dict):
        found += [(name, resolve(example)["value"]) for name, example in examples.items() if "value" in resolve(example)]
    elif isinstance(examples, list):
        found += [(f"examples[{index}]", value) for index, value in enumerate(examples)]
    return found


def all_examples():
    """(where, schema, value) for every example of the document: request bodies, responses,
    parameters, headers and schemas."""
    found = []
    for path, method, operation in operations():
        where = f"{method.upper()} {path}"
        for parameter in operation.get("parameters", []) + DOCUMENT["paths"][path].get("parameters", []):
            parameter = resolve(parameter)
            for name, value in examples_of(parameter):
                found.append((f"{where} parameter {parameter['name']} {name}", parameter["schema"], value))
        body = resolve(operation.get("requestBody", {}))
        for media_type, media in body.get("content", {}).items():
            for name, value in examples_of(media):
                found.append((f"{where} request {media_type} {name}", media["schema"], value))
        for status, response in operation["responses"].items():
            response = resolve(response)
            for media_type, media in response.get("content", {}).items():
                for name, value in examples_of(media):
                    found.append((f"{where} {status} {media_type} {name}", media["schema"], value))
            for header_name, header in response.get("headers", {}).items():
                header = resolve(header)
                for name, value in examples_of(header):
                    found.append((f"{where} {status} header {header_name} {name}", header["schema"], value))
    for kind in ("parameters", "headers"):
        for component_name, component in DOCUMENT["components"].get(kind, {}).items():
            for name, value in examples_of(component):
                found.append((f"components/{kind}/{component_name} {name}", component["schema"], value))
    for component_name, schema in DOCUMENT["components"]["schemas"].items():
        for name, value in examples_of(schema):
            schema_only = {key: item for key, item in schema.items() if key not in ("example", "examples")}
            found.append((f"components/schemas/{component_name} {name}", schema_only, value))
    return found


def test_the_document_is_valid_openapi_3_1():
    assert DOCUMENT["openapi"].startswith("3.1.")
    validate_openapi(DOCUMENT)


def test_every_schema_of_the_document_is_a_valid_draft_2020_12_schema():
    for name, schema in DOCUMENT["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


def test_every_example_fits_its_schema():
    found = all_examples()
    assert len(found) >= 80, f"only {len(found)} examples"
    failures = [f"{where}: {error}" for where, schema, value in found for error in check(schema, value)]
    assert not failures, "\n".join(failures)


def test_an_example_that_breaks_its_schema_is_caught():
    book = DOCUMENT["components"]["schemas"]["BookEnvelope"]
    good = resolve(DOCUMENT["paths"]["/api/books/{id}"]["get"]["responses"]["200"])["content"]["application/json"]
    value = json.loads(json.dumps(good["examples"]["example"]["value"]))
    assert check(book, value) == []
    value["data"]["year"] = "2002"
    assert check(book, value)
    value["data"]["year"] = 2002
    value["data"]["colour"] = "red"
    assert check(book, value)


def test_every_operation_has_an_id_a_summary_a_tag_security_and_only_documented_references():
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids)), "duplicate operationIds"
    for path, method, operation in operations():
        assert operation.get("summary") and operation.get("tags"), f"{method} {path}"
        assert "security" in operation, f"{method} {path} states no security"
        for status, response in operation["responses"].items():
            assert re.fullmatch(r"[1-5][0-9][0-9]", status), f"{method} {path}: {status}"
            for link in resolve(response).get("links", {}).values():
                assert link["operationId"] in ids, f"{method} {path} links to {link['operationId']}"
    text = json.dumps(DOCUMENT)
    for reference in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        target = DOCUMENT
        for part in reference.split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]


def source_problem_slugs():
    """Every slug the workers (the problem catalogue and the HTTP layer) and nginx's config can answer with."""
    slugs = set()
    with open(os.path.join(ROOT, "Sources", "Stacks", "ProblemCatalogue.swift"), encoding="utf-8") as source:
        text = source.read()
    body = text[text.index("enum ProblemType"):text.index("/// The short summary")]
    for match in re.finditer(r'case\s+`?(\w+)`?(?:\s*=\s*"([a-z-]+)")?', body):
        slugs.add(match.group(2) or match.group(1))
    for directory, _, files in os.walk(os.path.join(ROOT, "Sources")):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(directory, name), encoding="utf-8") as source:
                    slugs.update(re.findall(r'Problem\(\s*"([a-z-]+)"', source.read()))
    with open(os.path.join(ROOT, "nginx", "stacks.conf"), encoding="utf-8") as conf:
        slugs.update(re.findall(r"urn:stacks:problem:([a-z-]+)", conf.read()))
    return slugs


def test_every_problem_slug_the_server_and_nginx_can_emit_is_in_the_document():
    slugs = source_problem_slugs()
    assert {"bad-request", "validation", "too-many-requests", "gateway-timeout", "guest-account"} <= slugs
    listed = {value.rsplit(":", 1)[1] for value in DOCUMENT["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]}
    assert slugs <= listed, f"missing from the document: {sorted(slugs - listed)}"
    assert listed <= slugs, f"in the document but never emitted: {sorted(listed - slugs)}"
    for slug in slugs:
        assert f"Problem-{slug}" in DOCUMENT["components"]["schemas"], slug


def test_nginx_serves_the_document_as_it_is_without_credentials():
    response = requests.get(f"{BASE_URL}/api/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0].strip() == "application/json"
    with open(DOCUMENT_PATH, "rb") as document:
        assert response.content == document.read()
    etag = response.headers["ETag"]
    again = requests.get(f"{BASE_URL}/api/openapi.json", headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304
    assert requests.head(f"{BASE_URL}/api/openapi.json", timeout=30).status_code == 200


def test_the_document_path_allows_only_get_and_head():
    response = requests.post(f"{BASE_URL}/api/openapi.json", json={}, timeout=30)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.json()["type"] == "urn:stacks:problem:method-not-allowed"


def test_nginx_refuses_trace_with_the_allow_of_the_route():
    for path, allow in (("/api/books", "GET, HEAD, POST"), ("/api/chat/x", "POST, GET, HEAD, DELETE"),
                        ("/api/auth/login", "POST")):
        response = requests.request("TRACE", f"{BASE_URL}{path}", timeout=30)
        assert response.status_code == 405
        assert response.headers["Allow"] == allow, path
        worker = requests.request("PUT", f"{BASE_URL}{path}", timeout=30)
        assert worker.status_code == 405 and worker.headers["Allow"] == allow, path


# --- real responses against the document's schemas -------------------------------------------------

def response_schema(path, method, status, media_type="application/json"):
    operation = DOCUMENT["paths"][path][method]
    return resolve(operation["responses"][str(status)])["content"][media_type]["schema"]


def assert_fits(response, path, method):
    """The response's status is documented for the operation, and its body fits that status's schema."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, f"{method.upper()} {path}: undocumented {response.status_code}"
    documented = resolve(responses[str(response.status_code)])
    if not documented.get("content"):
        assert response.content == b""
        return
    media_type = response.headers["Content-Type"].split(";")[0].strip()
    assert media_type in documented["content"], f"{method.upper()} {path}: {media_type}"
    errors = check(documented["content"][media_type]["schema"], response.json())
    assert not errors, f"{method.upper()} {path} {response.status_code}: " + "; ".join(errors)
    for name, header in documented.get("headers", {}).items():
        header = resolve(header) if "$ref" in header else header
        if header.get("required"):
            assert name in response.headers, f"{method.upper()} {path}: no {name}"


@pytest.fixture(scope="module")
def librarian():
    email, password = register()
    make_librarian(email)
    return {"Authorization": "Bearer " + new_key(email, password)["api_key"]}


@pytest.fixture(scope="module")
def member():
    email, password = register()
    return {"Authorization": "Bearer " + new_key(email, password)["api_key"]}


def test_real_responses_of_the_catalog_and_circulation_fit_the_document(librarian, member):
    isbn_digits = "978" + str(uuid.uuid4().int)[:9]
    check_digit = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(isbn_digits)) % 10) % 10
    created = requests.post(f"{BASE_URL}/api/books", headers=librarian, timeout=30, json={
        "title": "Contract Testing", "author": "Ada Reader", "isbn": isbn_digits + str(check_digit), "year": 2024,
        "copies": 1})
    assert_fits(created, "/api/books", "post")
    book_id = created.json()["data"]["id"]
    assert_fits(requests.get(f"{BASE_URL}/api/books?limit=2&sort=-year,title", headers=member, timeout=30),
                "/api/books", "get")
    shown = requests.get(f"{BASE_URL}/api/books/{book_id}", headers=member, timeout=30)
    assert_fits(shown, "/api/books/{id}", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/books/{book_id}", headers={**member, "If-None-Match": shown.headers["ETag"]},
                             timeout=30), "/api/books/{id}", "get")
    borrowed = requests.post(f"{BASE_URL}/api/books/{book_id}/borrow", headers=member, json={"days": 7}, timeout=30)
    assert_fits(borrowed, "/api/books/{id}/borrow", "post")
    assert_fits(requests.post(f"{BASE_URL}/api/books/{book_id}/borrow", headers=member, timeout=30),
                "/api/books/{id}/borrow", "post")
    hold = requests.post(f"{BASE_URL}/api/books/{book_id}/holds", headers=librarian, timeout=30)
    assert_fits(hold, "/api/books/{id}/holds", "post")
    barcode = borrowed.json()["data"]["barcode"]
    assert_fits(requests.get(f"{BASE_URL}/api/items/{barcode}", headers=librarian, timeout=30), "/api/items/{barcode}", "get")
    assert_fits(requests.post(f"{BASE_URL}/api/desk/checkin", headers=librarian, json={"barcode": barcode}, timeout=30),
                "/api/desk/checkin", "post")
    assert_fits(requests.get(f"{BASE_URL}/api/borrows?status=returned", headers=member, timeout=30), "/api/borrows", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/holds", headers=librarian, timeout=30), "/api/holds", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/books/{book_id}/items", headers=member, timeout=30),
                "/api/books/{id}/items", "get")


def test_real_responses_of_accounts_preferences_and_chat_fit_the_document(member):
    assert_fits(requests.get(f"{BASE_URL}/api/health", timeout=30), "/api/health", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/health/ready", timeout=30), "/api/health/ready", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/auth/me", headers=member, timeout=30), "/api/auth/me", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/auth/keys", headers=member, timeout=30), "/api/auth/keys", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/auth/me", timeout=30), "/api/auth/me", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/auth/me", headers={"Authorization": "Bearer stk_nope"}, timeout=30),
                "/api/auth/me", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/jobs", headers=member, timeout=30), "/api/jobs", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/preferences", headers=member, timeout=30), "/api/preferences", "get")
    assert_fits(requests.patch(f"{BASE_URL}/api/preferences", headers=member, json={"notices": {"due_soon_days": 9}},
                               timeout=30), "/api/preferences", "patch")
    assert_fits(requests.patch(f"{BASE_URL}/api/preferences", headers=member, json={"default_loan_days": 21}, timeout=30),
                "/api/preferences", "patch")
    assert_fits(requests.post(f"{BASE_URL}/api/chat/openapi-check", headers=member,
                              json={"message": "find books about design"}, timeout=30), "/api/chat/{id}", "post")
    assert_fits(requests.get(f"{BASE_URL}/api/chat/openapi-check", headers=member, timeout=30), "/api/chat/{id}", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/chat", headers=member, timeout=30), "/api/chat", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/notices?unread=true", headers=member, timeout=30), "/api/notices", "get")
    assert_fits(requests.get(f"{BASE_URL}/api/webhooks/deliveries", headers=member, timeout=30),
                "/api/webhooks/deliveries", "get")
    assert_fits(requests.post(f"{BASE_URL}/api/auth/login", json={"email": "nobody@example.org", "password": "x" * 8},
                              timeout=30), "/api/auth/login", "post")
    assert_fits(requests.post(f"{BASE_URL}/api/auth/register", json={"email": "bad", "password": "short", "name": " "},
                              timeout=30), "/api/auth/register", "post")
