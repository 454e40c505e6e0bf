"""Bytes on the wire, for the tests that speak to nginx or to a pool's socket without a client library:
raw HTTP exchanges, FastCGI records (built, sent and read back), and the checks every hostile case
ends with: the stack still serving with its workers back, and nothing written to the database."""
import os
import socket
import struct
import time
from collections import namedtuple
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest
import requests

from conftest import BASE_URL, MODE, admin_sql, configured_workers, stack_worker_pids

FCGI_BEGIN_REQUEST, FCGI_ABORT_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 1, 2, 3, 4, 5, 6, 7
FCGI_DATA, FCGI_GET_VALUES, FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE = 8, 9, 10, 11
FCGI_RESPONDER = 1
FCGI_MAX_CONTENT = 65535


# --- HTTP ------------------------------------------------------------------------------------------

HTTPAnswer = namedtuple("HTTPAnswer", "status headers body")


def http_exchange(data, timeout=5, half_close=False):
    """Sends `data` as it is to nginx (then, with `half_close`, shuts down the sending side) and
    reads the answer: up to its Content-Length, or until nginx closes. Returns it, with status None
    when nginx closed without answering; headers are lower-case (name, value) pairs."""
    url = urlparse(BASE_URL)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as conn:
        conn.sendall(data)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
                head, found, body = received.partition(b"\r\n\r\n")
                length = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
                if found and length and len(body) >= int(length[0]):
                    break
        except ConnectionResetError:
            pass
    if not received:
        return HTTPAnswer(None, [], b"")
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    return HTTPAnswer(int(lines[0].split()[1]), [(name.lower(), value) for name, value in headers], body)


def http_request(method, target, headers=(), body=b""):
    """A request's bytes with Host and Connection: close; `target` and header values may be bytes."""
    as_bytes = lambda text: text if isinstance(text, bytes) else text.encode()  # noqa: E731
    head = as_bytes(method) + b" " + as_bytes(target) + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    for name, value in headers:
        head += as_bytes(name) + b": " + as_bytes(value) + b"\r\n"
    return head + b"\r\n" + body


# --- FastCGI ---------------------------------------------------------------------------------------

def fcgi_record(kind, request_id, content, padding=0, version=1, declared_length=None, padding_bytes=None):
    """One record; `declared_length` and `padding` may lie about what follows."""
    length = len(content) if declared_length is None else declared_length
    pad = b"\0" * padding if padding_bytes is None else padding_bytes
    return struct.pack("!BBHHBB", version, kind, request_id, length, padding, 0) + content + pad


def fcgi_length(n):
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)


def fcgi_pairs_bytes(pairs):
    """Name–value pairs (str or bytes) in FastCGI's length-prefixed form."""
    out = b""
    for name, value in pairs:
        name = name if isinstance(name, bytes) else name.encode()
        value = value if isinstance(value, bytes) else value.encode()
        out += fcgi_length(len(name)) + fcgi_length(len(value)) + name + value
    return out


def fcgi_pairs(data):
    """FastCGI name-value pairs → dict."""
    pairs, i = {}, 0

    def length():
        nonlocal i
        if data[i] < 128:
            i += 1
            return data[i - 1]
        i += 4
        return struct.unpack("!I", data[i - 4:i])[0] & 0x7FFFFFFF

    while i < len(data):
        name_length, value_length = length(), length()
        name = data[i:i + name_length].decode("latin-1")
        pairs[name] = data[i + name_length:i + name_length + value_length].decode("latin-1")
        i += name_length + value_length
    return pairs


def read_exactly(conn, size):
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed mid-record")
        data += chunk
    return data


def fcgi_stream(kind, request_id, data):
    """A stream (PARAMS, STDIN) as records of at most 65535 bytes, closed by an empty record."""
    records = [fcgi_record(kind, request_id, data[i:i + FCGI_MAX_CONTENT]) for i in range(0, len(data), FCGI_MAX_CONTENT)]
    return b"".join(records) + fcgi_record(kind, request_id, b"")


def begin_request(request_id=1, role=FCGI_RESPONDER, flags=0):
    return fcgi_record(FCGI_BEGIN_REQUEST, request_id, struct.pack("!HB5x", role, flags))


def request_params(method="GET", uri="/api/health", body=b"", headers=(), **overrides):
    """The params nginx sends (fastcgi_params and ours) for a request, as pairs; an override of None
    leaves that name out."""
    path, _, query = uri.partition("?")
    params = {
        "QUERY_STRING": query, "REQUEST_METHOD": method, "CONTENT_TYPE": "application/json" if body else "",
        "CONTENT_LENGTH": str(len(body)) if body else "", "SCRIPT_NAME": path, "REQUEST_URI": uri,
        "DOCUMENT_URI": path, "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "localhost", "SERVER_PORT": "80", "REQUEST_ID": "0" * 32,
        "SCRIPT_FILENAME": cgi_script(), "HTTP_HOST": "localhost",
    }
    for name, value in headers:
        params["HTTP_" + name.upper().replace("-", "_")] = value
    params.update(overrides)
    return [(name, value) for name, value in params.items() if value is not None]


def fcgi_request(params, stdin=b"", request_id=1):
    """A whole request as nginx sends it: BEGIN_REQUEST, PARAMS, STDIN."""
    return begin_request(request_id) + fcgi_stream(FCGI_PARAMS, request_id, fcgi_pairs_bytes(params)) \
        + fcgi_stream(FCGI_STDIN, request_id, stdin)


FastCGIAnswer = namedtuple("FastCGIAnswer", "status headers body records closed_early")


def read_fcgi_answer(conn):
    """Reads records until END_REQUEST or until the worker closes. `status` is the CGI Status of the
    STDOUT stream (None when there was none); `closed_early` when the connection closed before
    END_REQUEST; `records` the types received, in order."""
    stdout, records = b"", []
    try:
        while True:
            header = conn.recv(8, socket.MSG_WAITALL)
            if len(header) < 8:
                return parse_answer(stdout, records, closed_early=True)
            _, kind, _, length, padding, _ = struct.unpack("!BBHHBB", header)
            content = read_exactly(conn, length + padding)[:length]
            records.append(kind)
            if kind == FCGI_STDOUT:
                stdout += content
            elif kind == FCGI_END_REQUEST:
                return parse_answer(stdout, records, closed_early=False)
    except (ConnectionError, OSError):
        return parse_answer(stdout, records, closed_early=True)


def parse_answer(stdout, records, closed_early):
    if not stdout:
        return FastCGIAnswer(None, [], b"", records, closed_early)
    head, _, body = stdout.partition(b"\r\n\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in head.decode("latin-1").split("\r\n")]
    headers = [(name.lower(), value) for name, value in headers]
    status = int(dict(headers).get("status", "200").split()[0])
    return FastCGIAnswer(status, headers, body, records, closed_early)


def fcgi_exchange(socket_path, data, timeout=5, half_close=True):
    """Connects to a pool's socket, sends `data`, half-closes (unless told not to) and reads the answer."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(timeout)
        conn.connect(socket_path)
        conn.sendall(data)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        return read_fcgi_answer(conn)


# --- the stack -------------------------------------------------------------------------------------

def run_dir():
    return os.path.join(os.environ["STACKS_HOME"], "run")


def worker_sockets():
    """The FastCGI sockets nginx talks to: both pools, or fcgiwrap's in CGI mode."""
    names = ["cgi.sock"] if MODE == "cgi" else ["pool1.sock", "pool2.sock"]
    return [os.path.join(run_dir(), name) for name in names]


def cgi_script():
    """The worker binary fcgiwrap runs (SCRIPT_FILENAME); pooled workers ignore it."""
    with open(os.path.join(os.environ["STACKS_HOME"], "stacks.env"), encoding="utf-8") as env:
        for line in env:
            if line.startswith("STACKS_BIN="):
                return line.split("=", 1)[1].strip().strip("'")
    return os.environ.get("STACKS_TEST_BIN", "")


def worker_pids():
    """The long-lived workers of the pools, sorted (none in CGI mode)."""
    return sorted(stack_worker_pids())


def assert_workers(workers, seconds=5):
    """`workers` workers alive within `seconds` (one that exited and was replaced counts)."""
    started = time.monotonic()
    while len(stack_worker_pids()) != workers:  # polled often: a recycled worker is back in milliseconds
        assert time.monotonic() - started < seconds, f"not {workers} workers alive within {seconds} s"
        time.sleep(0.01)


def assert_serving(workers, seconds=5):
    """The stack is whole again: `workers` workers alive and a request through nginx answered 200,
    all within `seconds`."""
    started = time.monotonic()
    assert_workers(workers, seconds)
    response = requests.get(f"{BASE_URL}/api/health", timeout=seconds)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < seconds


# Each table a request may write, with what is compared: the rows themselves where only requests
# write, the count where the job runners also move rows (holds and copies change state as holds
# expire; a book's counters follow its copies, so of books only the catalog columns are compared).
WATCHED = {
    "members": "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY t.id)) FROM members t",
    "api_keys": "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY t.id)) FROM api_keys t",
    "refresh_tokens": "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY t.id)) FROM refresh_tokens t",
    "revoked_tokens": "SELECT count(*) FROM revoked_tokens",
    "books": "SELECT count(*) || ':' || md5(string_agg(concat_ws('|', id, title, author, isbn, year), ',' ORDER BY id)) FROM books",
    "deleted_books": "SELECT count(*) FROM deleted_books",
    "items": "SELECT count(*) FROM items",
    "loans": "SELECT count(*) FROM loans",
    "holds": "SELECT count(*) FROM holds",
    "conversations": "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY t.id)) FROM conversations t",
    "messages": "SELECT count(*) FROM messages",
    "idempotency_keys": "SELECT count(*) FROM idempotency_keys",
    "member_preferences": "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY t.member_id)) FROM member_preferences t",
}


def snapshot():
    """The watched tables' rows or counts (see WATCHED), in one psql call."""
    columns = ", ".join(f"coalesce(({sql})::text, '-')" for sql in WATCHED.values())
    values = admin_sql(f"SELECT concat_ws(' ', {columns})")[0].split(" ")
    return dict(zip(WATCHED, values))


def assert_unchanged(before, after):
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert not changed, f"written: {changed}"


@contextmanager
def leaving_no_trace(workers, tables=True):
    """Around a group of cases: the stack serving afterwards, the watched tables unchanged (unless
    `tables` is false: a group that stores on purpose checks its own rows), and in pooled mode the
    very same workers (none died and was replaced)."""
    before, pids = snapshot(), worker_pids()
    yield
    assert_serving(workers)
    if tables:
        assert_unchanged(before, snapshot())
    if MODE == "pooled":
        assert worker_pids() == pids, "a worker died (multiwatch replaced it)"


@pytest.fixture(scope="module")
def workers():
    """How many workers the pools keep alive (none in CGI mode)."""
    return configured_workers()


@pytest.fixture
def serving(workers):
    """After each case: the pools' workers all there (one that exited replaced). Each group ends
    with a request through nginx answered at once, and between cases the next case's own
    request, which must be answered within seconds, shows the stack serving."""
    yield
    assert_workers(workers)
