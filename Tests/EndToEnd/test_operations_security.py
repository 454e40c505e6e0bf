"""Operations side of the penetration test's findings, in every process mode: no personal data in
the access log or PostgreSQL's log (finding 8), nginx never re-sends a credential request to another
pool (finding 5), and deploy/ctl librarian refuses a guest without a password (finding 1).
The database's local access rules (finding 3) are checked by deploy/test's ops checks."""
import http.client
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import BASE_URL, ROOT, admin_sql, register, stack_setting, unique_email
from wire import FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, fcgi_pairs, fcgi_record, read_exactly

LOG_DIR = os.path.join(os.environ.get("STACKS_HOME", os.path.join(ROOT, ".stacks-test")), "log")


# --- the access log keeps the path and the parameter names, not the values -------------------

def access_log_entry(request_id, timeout=10):
    """The access log's JSON line for this request id (nginx writes it just after answering)."""
    deadline = time.monotonic() + timeout
    while True:
        with open(os.path.join(LOG_DIR, "access.log"), encoding="utf-8", errors="replace") as log:
            for line in log:
                if request_id in line:
                    return json.loads(line)
        assert time.monotonic() < deadline, f"no access log line for request {request_id}"
        time.sleep(0.1)


def whole_access_log():
    with open(os.path.join(LOG_DIR, "access.log"), encoding="utf-8", errors="replace") as log:
        return log.read()


# /nope is answered by nginx itself: its error pages are internal redirects, which empty $args
# before the line is written, so the names must come from $request_uri.
@pytest.mark.parametrize("path, status", [("/api/borrows", 401), ("/nope", 404)])
def test_access_log_has_the_path_and_parameter_names_but_not_an_email_in_the_query(path, status):
    email = unique_email("someone-unique")
    response = requests.get(f"{BASE_URL}{path}", params={"member": email, "status": "active"}, timeout=30)
    assert response.status_code == status, response.text
    entry = access_log_entry(response.headers["X-Request-Id"])
    assert entry["path"] == path
    assert entry["query_params"] == "member,status"
    assert entry["method"] == "GET" and entry["status"] == status
    assert email not in whole_access_log()
    assert email.split("@")[0] not in whole_access_log()


def test_access_log_keeps_at_most_eight_names_and_cuts_a_name_at_the_first_odd_character():
    email = unique_email("as-a-name")
    query = "&".join(f"p{i}=v{i}" for i in range(1, 11))
    response = requests.get(f"{BASE_URL}/api/books?{query}", timeout=30)
    entry = access_log_entry(response.headers["X-Request-Id"])
    assert entry["path"] == "/api/books"
    assert entry["query_params"] == "p1,p2,p3,p4,p5,p6,p7,p8,..."

    response = requests.get(f"{BASE_URL}/api/books?{email}&limit=5", timeout=30)
    entry = access_log_entry(response.headers["X-Request-Id"])
    assert entry["query_params"] == email.split("@")[0] + ",limit"
    assert email not in whole_access_log()


# --- PostgreSQL's log keeps no value from a constraint violation ----------------------------

def postgres_log_from(offset):
    with open(os.path.join(LOG_DIR, "postgres.log"), encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        return log.read()


def register_status(email):
    response = requests.post(f"{BASE_URL}/api/auth/register",
                              json={"email": email, "password": "correct horse battery", "name": "Log Check"}, timeout=60)
    return response.status_code


def test_registering_an_email_twice_leaves_no_trace_of_it_in_the_postgres_log():
    start = os.path.getsize(os.path.join(LOG_DIR, "postgres.log"))
    email = unique_email("twice")
    assert register_status(email) == 201
    assert register_status(email) == 409
    emails = [email]
    # A second registration that comes after the first is refused before its INSERT; registrations
    # at the same moment both reach the INSERT, and PostgreSQL's unique violation is what is logged
    # (its DETAIL would name the email). Race until that happened at least once.
    violation = False
    for _ in range(10):
        email = unique_email("at-once")
        emails.append(email)
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = sorted(pool.map(register_status, [email] * 4))
        assert statuses == [201, 409, 409, 409], statuses
        if 'violates unique constraint "members_email_key"' in postgres_log_from(start):
            violation = True
            break
    assert violation, "no concurrent registration reached the unique constraint: the check below proves nothing"
    logged = postgres_log_from(start)
    for sent in emails:
        assert sent not in logged, logged[-2000:]
    assert "Key (email)" not in logged


# --- deploy/ctl librarian ---------------------------------------------------------------------

def ctl_librarian(email):
    return subprocess.run([os.path.join(ROOT, "deploy", "ctl"), "librarian", email], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)


def role_of(email):
    return admin_sql(f"SELECT role FROM members WHERE email = '{email}'")


def test_ctl_librarian_refuses_a_guest_without_a_password_and_says_why():
    email = unique_email("guest")
    response = requests.post(f"{BASE_URL}/api/auth/generate-key", json={"email": email}, timeout=30)
    assert response.status_code == 201, response.text
    result = ctl_librarian(email)
    assert result.returncode != 0
    assert "has no password (a guest created by open-key mode)" in result.stderr, result.stderr
    assert "register it with a password first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert role_of(email) == ["member"]


def test_ctl_librarian_tells_an_unknown_email_from_a_guest():
    email = unique_email("nobody")
    result = ctl_librarian(email)
    assert result.returncode != 0
    assert f"no member has the email '{email}'" in result.stderr, result.stderr
    assert role_of(email) == []


def test_ctl_librarian_promotes_a_registered_member():
    email, _ = register(unique_email("promoted"))
    result = ctl_librarian(email.upper())
    assert result.returncode == 0, result.stderr
    assert role_of(email) == ["librarian"]


# --- nginx: a credential request is never re-sent to another pool ---------------------------
# nginx/stacks.conf rendered with deploy/lib.sh's render into a scratch prefix, in front of two fake
# FastCGI servers: the first reads each request and hangs up without answering (a worker killed
# mid-request), the second answers 200. The second is a backup server, so every request goes to the
# first one first and reaches the second only if nginx retries it.

def read_fcgi_request(conn):
    """Reads records up to the empty STDIN record; returns (request id, params, body)."""
    params, body, request_id = b"", b"", 1
    while True:
        version, kind, request_id, content_length, padding, _ = struct.unpack("!BBHHBB", read_exactly(conn, 8))
        content = read_exactly(conn, content_length)
        read_exactly(conn, padding)
        if kind == FCGI_PARAMS:
            params += content
        elif kind == FCGI_STDIN:
            if not content:
                return request_id, fcgi_pairs(params), body
            body += content


class FakePool:
    """A FastCGI server on 127.0.0.1 that records what it received; answers 200 or hangs up."""

    def __init__(self, answers):
        self.answers = answers
        self.seen = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    request_id, params, body = read_fcgi_request(conn)
                except (ConnectionError, struct.error, OSError):
                    continue
                self.seen.append((params, body))
                if self.answers:
                    payload = b"Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{\"answered_by\":\"second\"}"
                    conn.sendall(fcgi_record(FCGI_STDOUT, request_id, payload) + fcgi_record(FCGI_STDOUT, request_id, b"")
                                 + fcgi_record(FCGI_END_REQUEST, request_id, struct.pack("!IB3x", 0, 0)))

    def uris(self):
        return [params.get("REQUEST_URI") for params, _ in self.seen]

    def close(self):
        self.listener.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx_over_fake_pools(request):
    """(port, killed pool, answering pool) of a scratch nginx running nginx/stacks.conf, rendered with
    MAX_BODY 65536 or the test's parameter; always stopped."""
    max_body = getattr(request, "param", 65536)
    first, second = FakePool(answers=False), FakePool(answers=True)
    prefix = tempfile.mkdtemp(prefix="stacks-nginx-")
    os.chmod(prefix, 0o755)  # nginx's workers (nobody) enter it
    process = None
    try:
        for _ in range(5):
            port = free_port()
            upstream = (f"    server 127.0.0.1:{first.port} max_fails=0;\n"
                        f"    server 127.0.0.1:{second.port} max_fails=0 backup;")
            site = os.path.join(prefix, "site.conf")
            subprocess.run(["bash", "-c", '. "$0/deploy/lib.sh" && render "$0/nginx/stacks.conf" "$@"', ROOT, site,
                            f"RUN={prefix}", f"PORT={port}", f"LOG={prefix}", f"CGI_SCRIPT={prefix}/none",
                            f"UPSTREAM_SERVERS={upstream}", f"MAX_BODY={max_body}", f"WWW={prefix}",
                            "AUTH_RATE=10", "AUTH_BURST=20", "CLIENT_TIMEOUT=60000ms"], check=True, timeout=30)
            temp_paths = "\n".join(f"    {name}_temp_path {prefix}/{name};" for name in
                                   ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"))
            with open(os.path.join(prefix, "nginx.conf"), "w") as conf:
                conf.write(f"worker_processes 1;\ndaemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log info;\n"
                           f"events {{ worker_connections 64; }}\nhttp {{\n{temp_paths}\n    include {site};\n}}\n")
            process = subprocess.Popen(["nginx", "-p", prefix + "/", "-c", f"{prefix}/nginx.conf", "-e", f"{prefix}/error.log"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            for _ in range(100):
                if process.poll() is not None:
                    break
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            if process.poll() is None:
                break
        assert process is not None and process.poll() is None, open(os.path.join(prefix, "error.log")).read()
        yield port, first, second
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)
        first.close()
        second.close()
        shutil.rmtree(prefix, ignore_errors=True)


def send(port, method, path, headers=None, body=b'{"refresh_token": "x"}'):
    """The path goes to nginx exactly as written (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


CREDENTIAL_PATHS = ["/api/auth/refresh", "//api/auth/refresh", "/api//auth/refresh/", "/api/auth/%72efresh",
                    "/api/auth/login", "/api/auth/register", "/api/auth/generate-key", "/api/auth/generate-key/"]


def test_nginx_does_not_resend_a_keyed_credential_request_to_another_pool(nginx_over_fake_pools):
    port, first, second = nginx_over_fake_pools
    for path in CREDENTIAL_PATHS:
        for header in ("Idempotency-Key", "X-Idempotency-Key"):
            before = len(first.seen)
            status, body = send(port, "POST", path, {header: f"key-{path}-{header}"})
            assert status == 502, (path, header, status, body)
            assert json.loads(body)["type"] == "urn:stacks:problem:bad-gateway"
            assert first.uris()[before:] == [path], (path, first.uris())
    assert second.seen == [], second.uris()


def test_nginx_still_resends_a_keyed_request_to_an_ordinary_endpoint(nginx_over_fake_pools):
    port, first, second = nginx_over_fake_pools
    status, body = send(port, "POST", "/api/borrows/1/return", {"Idempotency-Key": "return-1"}, body=b"{}")
    assert status == 200, body
    assert json.loads(body) == {"answered_by": "second"}
    assert first.uris() == ["/api/borrows/1/return"]
    assert second.uris() == ["/api/borrows/1/return"]
    params, _ = second.seen[0]
    assert params["REQUEST_METHOD"] == "POST" and params["HTTP_IDEMPOTENCY_KEY"] == "return-1"
    assert params["DOCUMENT_URI"] == "/api/borrows/1/return"

    status, body = send(port, "PATCH", "/api/books/1", {"X-Idempotency-Key": "patch-1"}, body=b'{"copies": 2}')
    assert status == 200, body
    assert second.uris() == ["/api/borrows/1/return", "/api/books/1"]


def test_nginx_does_not_resend_an_unkeyed_post(nginx_over_fake_pools):
    port, first, second = nginx_over_fake_pools
    status, body = send(port, "POST", "/api/borrows/1/return", body=b"{}")
    assert status == 502, body
    assert first.uris() == ["/api/borrows/1/return"]
    assert second.seen == []

    status, body = send(port, "GET", "/api/books/1", body=None)
    assert status == 200, body
    assert second.uris() == ["/api/books/1"]


# Regression: nginx/stacks.conf said client_max_body_size 2m whatever STACKS_MAX_BODY was, so workers set
# to accept more never saw a body over 2 MiB. The limit is rendered from the setting now (MAX_BODY).
@pytest.mark.parametrize("nginx_over_fake_pools", [3 << 20], indirect=True)
def test_nginx_passes_a_body_up_to_its_rendered_limit_even_past_2_mib(nginx_over_fake_pools):
    port, first, second = nginx_over_fake_pools
    status, body = send(port, "GET", "/api/books", body=b" " * (3 << 20))
    assert status == 200, body
    assert len(second.seen[-1][1]) == 3 << 20
    status, body = send(port, "GET", "/api/books", body=b" " * ((3 << 20) + 1))
    assert status == 413, body
    assert json.loads(body)["detail"] == "The request body exceeds the limit of 3145728 bytes."
    assert len(second.seen) == 1


# --- sign-in requests are rate-limited in nginx: per client address, and password checks per nginx --

def post_from(address, path, payload, timeout=60):
    """POSTs JSON to the stack from a given loopback source address; returns (status, headers, body)."""
    host, port = BASE_URL.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout, source_address=(address, 0))
    try:
        connection.request("POST", path, body=json.dumps(payload), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def assert_sign_in_429(status, headers, body):
    assert status == 429, body
    problem = json.loads(body)
    assert problem["type"] == "urn:stacks:problem:too-many-requests" and problem["status"] == 429
    assert headers["Retry-After"] == "1"
    assert headers["Content-Type"].startswith("application/problem+json")


def test_password_checks_past_the_queue_get_a_json_429_and_the_queued_ones_an_answer():
    # From 100 addresses, so that only the per-nginx password-check limit applies.
    def attempt(n):
        return post_from(f"127.0.1.{n + 1}", "/api/auth/login",
                         {"email": f"nobody-{n}@example.org", "password": "wrong password"})

    with ThreadPoolExecutor(max_workers=100) as pool:
        responses = list(pool.map(attempt, range(100)))
    statuses = [status for status, _, _ in responses]
    assert set(statuses) <= {401, 429}, statuses
    limited = [r for r in responses if r[0] == 429]
    assert limited, "no login was refused: the password-check limit is not in force"
    assert statuses.count(401) >= 60, statuses  # the queue (64 deep) holds the rest until their turn
    assert_sign_in_429(*limited[0])


@pytest.mark.parametrize("path, payload", [
    ("/api/auth/login", {"email": "nobody@example.org", "password": "wrong password"}),
    ("/api/auth/register", {"email": "not an email", "password": "correct horse battery", "name": "N"}),
    ("/api/auth/generate-key", {"email": "not an email"}),
    ("/api/auth/refresh", {"refresh_token": "not a token"}),
])
def test_one_address_past_its_sign_in_rate_gets_429_while_another_address_is_served(path, payload):
    rate = int(stack_setting("STACKS_AUTH_RATE", "10"))
    flooder = f"127.0.2.{random.randrange(1, 255)}"
    # rate a second pass, twice that wait their turn; a burst of four times the rate overflows the queue.
    with ThreadPoolExecutor(max_workers=4 * rate) as pool:
        responses = list(pool.map(lambda _: post_from(flooder, path, payload), range(4 * rate)))
    limited = [r for r in responses if r[0] == 429]
    served = [r for r in responses if r[0] != 429]
    assert limited, [r[0] for r in responses]
    assert len(served) >= 2 * rate, [r[0] for r in responses]
    assert all(400 <= status < 500 for status, _, _ in served), [r[0] for r in served]
    assert_sign_in_429(*limited[0])
    # Another address at the same moment is not counted with the first.
    status, _, body = post_from(f"127.0.3.{random.randrange(1, 255)}", path, payload)
    assert status != 429 and 400 <= status < 500, body


def test_other_endpoints_are_not_counted_with_sign_ins():
    flooder = f"127.0.4.{random.randrange(1, 255)}"
    rate = int(stack_setting("STACKS_AUTH_RATE", "10"))
    with ThreadPoolExecutor(max_workers=4 * rate) as pool:
        statuses = list(pool.map(lambda _: post_from(flooder, "/api/books/1/borrow", {})[0], range(4 * rate)))
    assert statuses.count(401) == 4 * rate, statuses
