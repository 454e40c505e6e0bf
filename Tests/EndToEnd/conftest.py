"""End-to-end fixtures: the stack deploy/test started (nginx, two pools, PostgreSQL).

Everything is reached the way a user reaches it: HTTP through nginx, and deploy/ctl for the
operator's controls (stopping PostgreSQL, listing workers). Nothing here talks to a worker directly.
"""
import hashlib
import json
import os
import random
import signal
import sys
import subprocess
import time
import uuid
from collections import namedtuple

import pytest
import requests

BASE_URL = os.environ.get("STACKS_TEST_BASE_URL", "http://127.0.0.1:18080")
ROOT = os.environ.get("STACKS_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
MODE = os.environ.get("STACKS_TEST_MODE", "pooled")


def ctl(*args, check=True):
    """Runs deploy/ctl against the test stack and returns its stdout."""
    result = subprocess.run([os.path.join(ROOT, "deploy", "ctl"), *args], capture_output=True, text=True,
                            env=os.environ.copy(), timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"deploy/ctl {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def processes_in_groups(name, pid_files):
    """Every process called `name` in the process group of one of the supervisors whose pid files
    (in $STACKS_HOME/run) are named; each supervisor runs in a session of its own. Read from /proc,
    so that a killer can look every 100 ms."""
    run = os.path.join(os.environ["STACKS_HOME"], "run")
    groups = set()
    for pid_file_name in pid_files:
        try:
            with open(os.path.join(run, pid_file_name)) as pid_file:
                groups.add(int(pid_file.readline()))
        except (OSError, ValueError):
            pass
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read()
        except OSError:
            continue
        command = fields[fields.index("(") + 1:fields.rindex(")")]
        process_group = int(fields[fields.rindex(")") + 2:].split()[2])
        if command == name and process_group in groups:
            pids.append(int(entry))
    return pids


def stack_worker_pids():
    """The test stack's worker processes, pooled or CGI."""
    return processes_in_groups("stacks-fcgi", ("pool1.pid", "pool2.pid", "cgi.pid"))


def configured_workers():
    """How many workers the pools keep alive: the sum of each pool's multiwatch -f (0 in CGI mode).
    Read from the supervisors, never counted: a recycled worker is missing for a moment after each request."""
    run = os.path.join(os.environ["STACKS_HOME"], "run")
    total = 0
    for pid_file_name in ("pool1.pid", "pool2.pid"):
        try:
            with open(os.path.join(run, pid_file_name)) as pid_file:
                pid = int(pid_file.readline())
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                arguments = cmdline.read().split(b"\0")
        except (OSError, ValueError):
            continue
        total += int(arguments[arguments.index(b"-f") + 1])
    return total


def stack_runner_pids():
    """The test stack's job runners, under the runners' multiwatch."""
    return processes_in_groups("stacks-jobs", ("runners.pid",))


def killer(stop, kills, find_pids):
    """SIGKILLs a random process of those `find_pids()` lists every 100 ms until `stop` is set,
    counting each kill in `kills`."""
    while not stop.is_set():
        pids = find_pids()
        if pids:
            try:
                os.kill(random.choice(pids), signal.SIGKILL)
                kills.append(1)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def wait_for(condition, seconds, what):
    """Polls `condition` until it gives a true value, which it returns; fails after `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def stack_setting(name, default):
    """A worker setting of the stack under test, as deploy/up wrote it to $STACKS_HOME/stacks.env."""
    with open(os.path.join(os.environ["STACKS_HOME"], "stacks.env"), encoding="utf-8") as env:
        for line in env:
            if line.startswith(name + "="):
                return line.split("=", 1)[1].strip().strip("'")
    return default


CGIResult = namedtuple("CGIResult", "status head payload log")


def run_cgi(method, path, body=b"", headers=None, settings=None, timeout=60):
    """Runs the worker binary ($STACKS_TEST_BIN) once as plain CGI against the stack's database, with
    the stack's stacks.env plus `settings` (e.g. STACKS_ASSISTANT=llm); `headers` become HTTP_*
    variables. Returns the status, the response head, the body and the worker's log lines (JSON)."""
    env = {"PATH": "/usr/bin:/bin"}
    with open(os.path.join(os.environ["STACKS_HOME"], "stacks.env")) as env_file:
        for line in env_file:
            if "=" in line and not line.startswith("#"):
                name, value = line.rstrip("\n").split("=", 1)
                env[name] = value.strip("'")
    env.update(settings or {})
    env.update({"REQUEST_METHOD": method, "REQUEST_URI": path, "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body))})
    for name, value in (headers or {}).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    result = subprocess.run([os.environ["STACKS_TEST_BIN"]], input=body, env=env, capture_output=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    head, _, payload = result.stdout.partition(b"\r\n\r\n")
    status = int(head.split(b"\r\n")[0].split()[1])
    log = [json.loads(line) for line in result.stderr.decode().splitlines() if line.startswith("{")]
    return CGIResult(status, head.decode(), payload, log)


def admin_sql(sql):
    """Runs SQL as the cluster's superuser and returns the unaligned output lines."""
    return [line for line in ctl("psql", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql).splitlines() if line]


def stored_loans(email):
    """The ids of the member's loans in the database, and of those returned, each in order."""
    member = admin_sql(f"SELECT id FROM members WHERE email = '{email}'")[0]
    loans = [int(x) for x in admin_sql(f"SELECT id FROM loans WHERE member_id = {member} ORDER BY id")]
    returned = [int(x) for x in admin_sql(
        f"SELECT id FROM loans WHERE member_id = {member} AND returned_at IS NOT NULL ORDER BY id")]
    return loans, returned


def age_refresh_use(refresh_token, seconds):
    """Moves the moment a refresh token was used `seconds` into the past, as if the clock had run on."""
    digest = hashlib.sha256(refresh_token.encode()).hexdigest()
    changed = admin_sql(f"WITH aged AS (UPDATE refresh_tokens SET used_at = used_at - interval '{int(seconds)} seconds' "
                        f"WHERE token_hash = '{digest}' AND used_at IS NOT NULL RETURNING id) SELECT count(*) FROM aged")
    assert changed == ["1"], "the refresh token was not used"


class API:
    """A thin client for the API under test, optionally with a bearer credential."""

    def __init__(self, base, token=None):
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path):
        return path if path.startswith("http") else self.base + path

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


def unique_email(tag="member"):
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.org"


def register(email=None, password="correct horse battery", name="Test Member"):
    """Registers a member and returns (email, password)."""
    email = email or unique_email()
    response = requests.post(f"{BASE_URL}/api/auth/register", json={"email": email, "password": password, "name": name}, timeout=30)
    assert response.status_code == 201, response.text
    return email, password


def new_key(email, password, **extra):
    response = requests.post(f"{BASE_URL}/api/auth/generate-key", json={"email": email, "password": password, **extra}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def login(email, password):
    response = requests.post(f"{BASE_URL}/api/auth/login", json={"email": email, "password": password}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def make_librarian(email):
    """Promotes a member the way an operator does: deploy/ctl librarian (the API cannot)."""
    ctl("librarian", email)


@pytest.fixture(scope="session")
def member_key():
    email, password = register()
    return new_key(email, password)["api_key"]


@pytest.fixture(scope="session")
def librarian_key():
    email, password = register(unique_email("librarian"))
    make_librarian(email)
    return new_key(email, password)["api_key"]


@pytest.fixture
def anon():
    """A client without credentials."""
    return API(BASE_URL)


@pytest.fixture
def api(member_key):
    """A client authenticated as an ordinary member with an API key."""
    return API(BASE_URL, member_key)


@pytest.fixture
def admin(librarian_key):
    """A client authenticated as a librarian."""
    return API(BASE_URL, librarian_key)


def assert_problem(response, status, slug=None):
    """Checks the RFC 9457 shape with the demo's fields."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:stacks:problem:")
    if slug:
        assert body["type"] == f"urn:stacks:problem:{slug}"
    assert body["success"] is False
    assert body["title"] and body["detail"]
    assert body["message"] == body["detail"]
    return body


def pytest_terminal_summary(terminalreporter):
    """The schemathesis figures of this session (operations, cases, failures), if it ran."""
    contract = sys.modules.get("contract")
    for line in getattr(contract, "SUMMARY", []):
        terminalreporter.write_line(line)
