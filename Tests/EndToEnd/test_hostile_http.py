"""Hostile requests through nginx: conflicting framing, oversized and truncated requests, invalid
UTF-8 and NUL, JSON built to hurt, huge numbers, SQL metacharacters in every parameter of every
endpoint, and path traversal in ids. Each case is one test; each ends with the expected 4xx (or a
connection nginx closed without answering), never a 5xx, and with the stack serving the next
request with all its workers. Each group (a class) leaves the watched tables as it found them (the
SQL group that stores text checks it comes back literally), and in pooled mode no worker died.
test_security.py already pins repeated single headers and invalid UTF-8 in the request line."""
import json
import time
import uuid
from urllib.parse import quote

import pytest
import requests

from conftest import BASE_URL, make_librarian, new_key, register, stack_setting, unique_email
from wire import http_exchange, http_request, leaving_no_trace, serving, workers  # noqa: F401 (fixtures)

CLOSED = None  # the expected "status" when nginx closes the connection without an answer
JSON_TYPE = ("Content-Type", "application/json")
REGISTER = "/api/auth/register"  # public and not rate-limited: where bodies without credentials go
SLOW_CLIENT_SECONDS = int(stack_setting("STACKS_CLIENT_TIMEOUT_MS", "60000")) / 1000


@pytest.fixture(scope="class", autouse=True)
def group_leaves_no_trace(request, workers, keys, targets):
    """Around each class (after the module's own set-up): nothing written (a class that stores on
    purpose says so with `writes = True` and checks its own rows), and in pooled mode the very
    same workers."""
    with leaving_no_trace(workers, tables=not getattr(request.cls, "writes", False)):
        yield


@pytest.fixture(scope="module")
def keys():
    """An ordinary member's API key and a librarian's."""
    email, password = register(unique_email("librarian"))
    make_librarian(email)
    return {"member": new_key(*register())["api_key"], "librarian": new_key(email, password)["api_key"]}


def bearer(keys, who):
    return {"Authorization": f"Bearer {keys[who]}"} if who else {}


def assert_answer(status, headers, body, expected):
    """The expected status; a 4xx must be a problem document."""
    assert status == expected, body[:300]
    if expected is not CLOSED and expected >= 400:
        assert dict(headers).get("content-type", "").startswith("application/problem+json"), headers
        problem = json.loads(body)
        assert problem["status"] == expected and problem["type"].startswith("urn:stacks:problem:"), problem


def assert_response(response, expected):
    assert_answer(response.status_code, [(k.lower(), v) for k, v in response.headers.items()], response.content, expected)


def raw(method, target, headers=(), body=b""):
    """A raw request through nginx, answered (or not) as expected."""
    return http_exchange(http_request(method, target, headers, body))


# --- framing: Content-Length and Transfer-Encoding in conflict -------------------------------------

def chunked(*parts):
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


FRAMING = {
    "content-length-and-chunked": ([("Content-Length", "5"), ("Transfer-Encoding", "chunked")], chunked(b"{}"), 400),
    "two-content-lengths": ([("Content-Length", "2"), ("Content-Length", "3")], b"{} ", 400),
    "two-equal-content-lengths": ([("Content-Length", "2"), ("Content-Length", "2")], b"{}", 400),
    "content-length-list": ([("Content-Length", "2, 2")], b"{}", 400),
    "content-length-negative": ([("Content-Length", "-1")], b"{}", 400),
    "content-length-plus-sign": ([("Content-Length", "+2")], b"{}", 400),
    "content-length-hex": ([("Content-Length", "0x2")], b"{}", 400),
    "content-length-huge": ([("Content-Length", "99999999999999999999")], b"{}", 400),
    "content-length-with-space": ([("Content-Length", "2 2")], b"{}", 400),
    "chunk-size-not-hex": ([("Transfer-Encoding", "chunked")], b"zz\r\n{}\r\n0\r\n\r\n", 400),
    "chunk-size-negative": ([("Transfer-Encoding", "chunked")], b"-2\r\n{}\r\n0\r\n\r\n", 400),
    "chunk-size-overflowing": ([("Transfer-Encoding", "chunked")], b"ffffffffffffffffff\r\n{}\r\n0\r\n\r\n", 400),
    "chunk-shorter-than-its-size": ([("Transfer-Encoding", "chunked")], b"1\r\n{}\r\n0\r\n\r\n", 400),
    "chunk-without-crlf": ([("Transfer-Encoding", "chunked")], b"2\r\n{}0\r\n\r\n", 400),
    "two-transfer-encodings": ([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")], chunked(b"{}"), 400),
    "transfer-encoding-gzip": ([("Transfer-Encoding", "gzip")], b"{}", 400),
    "transfer-encoding-identity": ([("Transfer-Encoding", "identity"), ("Content-Length", "2")], b"{}", 400),
    "transfer-encoding-gzip-chunked": ([("Transfer-Encoding", "gzip, chunked")], chunked(b"{}"), 400),
    "transfer-encoding-chunked-identity": ([("Transfer-Encoding", "chunked, identity")], chunked(b"{}"), 400),
    "transfer-encoding-chunked-gzip": ([("Transfer-Encoding", "chunked, gzip")], chunked(b"{}"), 400),
    "transfer-encoding-deflate-and-length": ([("Transfer-Encoding", "deflate"), ("Content-Length", "2")], b"{}", 400),
    # Chunked as it should be: the worker gets the body, and refuses the empty registration.
    "chunked-well-formed": ([("Transfer-Encoding", "chunked")], chunked(b"{", b"}"), 422),
}


class TestFraming:
    @pytest.mark.parametrize("case", FRAMING, ids=list(FRAMING))
    def test_conflicting_framing_is_refused(self, serving, case):
        headers, body, expected = FRAMING[case]
        assert_answer(*raw("POST", REGISTER, [JSON_TYPE, *headers], body), expected)

    def test_chunked_on_http_1_0_is_refused(self, serving):
        request = b"POST " + REGISTER.encode() + b" HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"{}")
        assert_answer(*http_exchange(request), 400)


# --- oversized headers and bodies ------------------------------------------------------------------

def max_body():
    return int(stack_setting("STACKS_MAX_BODY", "1048576"))


class TestOversized:
    def test_one_huge_header_is_refused(self, serving):
        assert_answer(*raw("GET", "/api/health", [("X-Padding", "a" * 20_000)]), 400)

    def test_a_huge_header_name_is_refused(self, serving):
        assert_answer(*raw("GET", "/api/health", [("X-" + "a" * 9000, "1")]), 400)

    def test_very_many_headers_are_refused(self, serving):
        assert_answer(*raw("GET", "/api/health", [(f"X-H{i}", "v") for i in range(3000)]), 400)

    def test_many_headers_within_nginx_limits_reach_a_worker_that_answers(self, serving):
        assert_answer(*raw("GET", "/api/health", [(f"X-H{i}", "v") for i in range(500)]), 200)

    def test_a_huge_credential_is_401(self, serving):
        assert_answer(*raw("GET", "/api/auth/me", [("Authorization", "Bearer " + "a" * 7000)]), 401)

    def test_a_huge_query_is_414(self, serving):
        assert_answer(*raw("GET", "/api/books?q=" + "a" * 9000), 414)

    def test_a_body_over_the_limit_is_413(self, serving):
        body = b'{"name": "' + b"a" * max_body() + b'"}'
        assert_answer(*raw("POST", REGISTER, [JSON_TYPE, ("Content-Length", str(len(body)))], body), 413)

    def test_a_declared_length_over_the_limit_is_413_before_the_body(self, serving):
        assert_answer(*raw("POST", REGISTER, [JSON_TYPE, ("Content-Length", str(max_body() + 1))]), 413)

    def test_a_chunked_body_over_the_limit_is_413(self, serving):
        body = chunked(*[b" " * 8192] * (max_body() // 8192 + 1))
        assert_answer(*raw("POST", REGISTER, [JSON_TYPE, ("Transfer-Encoding", "chunked")], body), 413)

    def test_a_body_at_the_limit_reaches_the_worker(self, serving):
        body = b"{" + b" " * (max_body() - 2) + b"}"
        assert_answer(*raw("POST", REGISTER, [JSON_TYPE, ("Content-Length", str(len(body)))], body), 422)

    def test_a_body_without_length_on_http_1_0_is_no_body(self, serving):
        request = (b"POST " + REGISTER.encode() + b" HTTP/1.0\r\nContent-Type: application/json\r\n\r\n"
                   + b"x" * (max_body() + 1))
        assert_answer(*http_exchange(request), 400)


# --- truncated requests ----------------------------------------------------------------------------

TRUNCATED = {
    "body-shorter-than-its-length": http_request("POST", REGISTER, [JSON_TYPE, ("Content-Length", "100")], b'{"email":'),
    "chunked-body-cut": http_request("POST", REGISTER, [JSON_TYPE, ("Transfer-Encoding", "chunked")], b'10\r\n{"em'),
    "headers-cut": b"POST /api/auth/register HTTP/1.1\r\nHost: localhost\r\nContent-Le",
}


class TestTruncated:
    @pytest.mark.parametrize("case", TRUNCATED, ids=list(TRUNCATED))
    def test_a_request_cut_short_then_closed_gets_no_answer(self, serving, case):
        assert http_exchange(TRUNCATED[case], half_close=True).status is CLOSED

    @pytest.mark.parametrize("case", TRUNCATED, ids=list(TRUNCATED))
    def test_a_request_cut_short_then_stalled_is_dropped_after_the_client_timeout(self, serving, case):
        started = time.monotonic()
        assert http_exchange(TRUNCATED[case], timeout=SLOW_CLIENT_SECONDS + 5).status is CLOSED
        assert time.monotonic() - started < SLOW_CLIENT_SECONDS + 2


# --- invalid UTF-8 and NUL -------------------------------------------------------------------------

BAD_TARGETS = {
    "path-raw-nul": (b"/api/books/1\x00", 400), "path-encoded-nul": (b"/api/books/1%00", 400),
    "path-raw-invalid": (b"/api/books/\xff", 400), "path-encoded-invalid": (b"/api/books/%ff", 400),
    "path-encoded-overlong-slash": (b"/api/books/%C0%AF", 400),
    "path-encoded-surrogate": (b"/api/books/%ED%A0%80", 400),
    "query-raw-nul": (b"/api/books?q=a\x00b", 400), "query-encoded-nul": (b"/api/books?q=a%00b", 400),
    "query-encoded-invalid": (b"/api/books?q=%ff", 400), "query-encoded-overlong": (b"/api/books?q=%C0%AF", 400),
    "query-encoded-surrogate": (b"/api/books?q=%ED%A0%80", 400), "query-name-encoded-nul": (b"/api/books?%00=1", 400),
    "query-name-raw-invalid": (b"/api/books?\xff=1", 400),
}


BAD_HEADERS = {
    "authorization-raw-nul": ([("Authorization", b"Bearer stk_\x00")], 400),
    "authorization-raw-invalid": ([("Authorization", b"Bearer stk_\xff\xfe")], 401),
    "authorization-encoded-nul": ([("Authorization", b"Bearer stk_%00")], 401),
    "idempotency-key-raw-nul": ([("Idempotency-Key", b"a\x00b")], 400),
    "idempotency-key-raw-invalid": ([("Idempotency-Key", b"a\xffb")], 400),
    "content-type-raw-invalid": ([("Content-Type", b"application/json\xff")], 415),
    "content-type-encoded-nul": ([("Content-Type", b"application/json%00")], 415),
    "content-type-raw-nul": ([("Content-Type", b"application/json\x00")], 400),
}


BAD_JSON = {
    "string-raw-invalid": b'{"email": "\xff\xfe"}', "string-overlong": b'{"email": "\xc0\xaf"}',
    "string-surrogate-bytes": b'{"email": "\xed\xa0\x80"}', "string-lone-surrogate-escape": b'{"email": "\\ud800"}',
    "string-raw-nul": b'{"email": "a\x00b"}', "string-escaped-nul": b'{"email": "a\\u0000b"}',
    "key-raw-invalid": b'{"em\xffail": "a"}', "key-escaped-nul": b'{"email\\u0000": "a"}',
    "nul-after-the-object": b'{}\x00', "byte-order-mark": b'\xef\xbb\xbf{}', "latin-1": b'{"name": "caf\xe9"}',
}


class TestBadBytes:
    @pytest.mark.parametrize("case", BAD_TARGETS, ids=list(BAD_TARGETS))
    def test_invalid_utf8_or_nul_in_the_target_is_400(self, serving, keys, case):
        target, expected = BAD_TARGETS[case]
        assert_answer(*raw("GET", target, [("Authorization", f"Bearer {keys['member']}")]), expected)

    @pytest.mark.parametrize("case", BAD_HEADERS, ids=list(BAD_HEADERS))
    def test_invalid_utf8_or_nul_in_a_header_the_api_reads_is_refused(self, serving, keys, case):
        headers, expected = BAD_HEADERS[case]
        names = {name for name, _ in headers}
        base = [("Authorization", f"Bearer {keys['member']}"), JSON_TYPE]
        sent = [header for header in base if header[0] not in names] + headers
        # A book that does not exist: were the header let through, the answer would be a 404.
        assert_answer(*raw("POST", "/api/books/999999999/borrow", sent + [("Content-Length", "2")], b"{}"), expected)

    @pytest.mark.parametrize("case", BAD_JSON, ids=list(BAD_JSON))
    def test_invalid_utf8_or_nul_in_json_is_400(self, serving, case):
        body = BAD_JSON[case]
        assert_answer(*raw("POST", REGISTER, [JSON_TYPE, ("Content-Length", str(len(body)))], body), 400)


# --- JSON built to hurt, and huge numbers ----------------------------------------------------------

DEEP = 1000
HOSTILE_JSON = {
    "arrays-1000-deep": (b"[" * DEEP + b"]" * DEEP, 400),
    "objects-1000-deep": (b'{"a":' * DEEP + b"1" + b"}" * DEEP, 400),
    "arrays-1000-deep-in-a-field": (b'{"days":' + b"[" * DEEP + b"]" * DEEP + b"}", 400),
    "objects-1000-deep-in-a-field": (b'{"days":' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}", 400),
    "unclosed-arrays-1000-deep": (b'{"days":' + b"[" * DEEP, 400),
    "duplicate-keys": (b'{"days": 1, "days": 2}', 400),
    "duplicate-keys-escaped": (b'{"days": 1, "d\\u0061ys": 2}', 400),
    "duplicate-keys-nested": (b'{"borrower_name": "a", "x": {"k": 1, "k": 2}}', 400),
    "number-1e400": (b'{"days": 1e400}', 422), "number-minus-1e400": (b'{"days": -1e400}', 422),
    "number-1e-400": (b'{"days": 1e-400}', 422), "number-2-pow-63": (b'{"days": 9223372036854775808}', 422),
    "number-minus-2-pow-63-minus-1": (b'{"days": -9223372036854775809}', 422),
    "number-huge-integer": (b'{"days": ' + b"9" * 400 + b"}", 422),
    "number-2-pow-31": (b'{"days": 2147483648}', 422), "number-2-pow-63-minus-1": (b'{"days": 9223372036854775807}', 422),
    "number-fraction": (b'{"days": 1.5}', 422), "number-leading-zero": (b'{"days": 01}', 400),
    "number-nan": (b'{"days": NaN}', 400), "number-infinity": (b'{"days": Infinity}', 400),
    "number-hex": (b'{"days": 0x10}', 400), "number-plus-sign": (b'{"days": +1}', 400),
}


class TestHostileJSON:
    @pytest.mark.parametrize("case", HOSTILE_JSON, ids=list(HOSTILE_JSON))
    def test_hostile_json_is_refused(self, serving, keys, case):
        body, expected = HOSTILE_JSON[case]
        headers = [("Authorization", f"Bearer {keys['member']}"), JSON_TYPE, ("Content-Length", str(len(body)))]
        assert_answer(*raw("POST", "/api/books/1/borrow", headers, body), expected)

    @pytest.mark.parametrize("body", [b'{"notices": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}",
                                      b'{"notices": {"overdue": true, "overdue": false}}',
                                      b'{"default_loan_days": 1e400}', b'{"notices": {"due_soon_days": -1e400}}',
                                      b'{"default_loan_days": 9223372036854775808}'],
                             ids=["nested-1000-deep", "duplicate-nested-keys", "1e400", "nested-minus-1e400", "2-pow-63"])
    def test_a_hostile_merge_patch_is_refused(self, serving, keys, body):
        response = requests.patch(f"{BASE_URL}/api/preferences", data=body, timeout=5,
                                  headers={**bearer(keys, "member"), "Content-Type": "application/json"})
        assert response.status_code in (400, 422), response.text
        assert_response(response, response.status_code)


HUGE_NUMBERS = ["9223372036854775808", "99999999999999999999999", "-9223372036854775809", "2147483648", "1e400"]
HUGE_IN_QUERIES = {"limit": ("/api/books", "limit"), "year-from": ("/api/books", "year_from"),
                   "year-to": ("/api/books", "year_to"), "holds-book-id": ("/api/holds", "book_id"),
                   "notices-limit": ("/api/notices", "limit")}
HUGE_IN_BODIES = {
    "borrow-days": ("POST", "/api/books/1/borrow", "days", '{"days": %s}'),
    "renew-days": ("POST", "/api/borrows/1/renew", "days", '{"days": %s}'),
    "book-year": ("POST", "/api/books", "year", '{"title": "T", "author": "A", "isbn": "9780306406157", "year": %s}'),
    "book-copies": ("PATCH", "/api/books/1", "copies", '{"copies": %s}'),
    "checkout-days": ("POST", "/api/desk/checkout", "days",
                      '{"barcode": "NOPE-1", "member_email": "nobody-hostile@example.org", "days": %s}'),
}


class TestHugeNumbers:
    @pytest.mark.parametrize("number", HUGE_NUMBERS)
    @pytest.mark.parametrize("route", ["/api/books/{}", "/api/borrows/{}", "/api/holds/{}", "/api/books/{}/items",
                                       "/api/auth/keys/{}"])
    def test_a_huge_id_is_404(self, serving, keys, route, number):
        method = "DELETE" if "keys" in route else "GET"
        response = requests.request(method, BASE_URL + route.format(number), headers=bearer(keys, "librarian"), timeout=5)
        assert_response(response, 404)

    @pytest.mark.parametrize("number", HUGE_NUMBERS)
    @pytest.mark.parametrize("case", HUGE_IN_QUERIES, ids=list(HUGE_IN_QUERIES))
    def test_a_huge_number_in_a_query_is_400(self, serving, keys, case, number):
        path, name = HUGE_IN_QUERIES[case]
        response = requests.get(f"{BASE_URL}{path}?{name}={number}", headers=bearer(keys, "librarian"), timeout=5)
        # Ids are 64-bit: 2^31 is one (of no book), past 2^63 - 1 none is.
        assert_response(response, 200 if name == "book_id" and number == "2147483648" else 400)

    @pytest.mark.parametrize("number", HUGE_NUMBERS)
    @pytest.mark.parametrize("case", HUGE_IN_BODIES, ids=list(HUGE_IN_BODIES))
    def test_a_huge_number_in_a_body_is_422_naming_the_field(self, serving, keys, case, number):
        method, path, name, body = HUGE_IN_BODIES[case]
        response = requests.request(method, BASE_URL + path, data=(body % number).encode(), timeout=5,
                                    headers={**bearer(keys, "librarian"), "Content-Type": "application/json"})
        problem = json.loads(response.content)
        assert_response(response, 422)
        assert f"/{name}" in [error["pointer"] for error in problem["errors"]], problem


# --- SQL metacharacters in every parameter of every endpoint ---------------------------------------

SQL = {"quote": "'", "drop-table": "'; DROP TABLE members; --", "or-true": "' OR '1'='1", "percent": "%",
       "underscore": "_", "backslash": "\\", "dollar-param": "$1", "comment": "/* x */ --"}

# (method, route with {} for the id, credential, body, expected): ids are numbers, barcodes and
# conversation ids have a form; none of these reaches anything.
ID_ROUTES = [
    ("GET", "/api/books/{}", "member", None, 404), ("PATCH", "/api/books/{}", "librarian", {"year": 2000}, 404),
    ("DELETE", "/api/books/{}", "librarian", None, 404), ("GET", "/api/books/{}/items", "member", None, 404),
    ("POST", "/api/books/{}/items", "librarian", {}, 404), ("POST", "/api/books/{}/borrow", "member", {}, 404),
    ("POST", "/api/books/{}/holds", "member", {}, 404), ("GET", "/api/borrows/{}", "member", None, 404),
    ("POST", "/api/borrows/{}/return", "member", None, 404), ("POST", "/api/borrows/{}/renew", "member", {}, 404),
    ("GET", "/api/items/{}", "librarian", None, 404), ("PATCH", "/api/items/{}", "librarian", {"status": "lost"}, 404),
    ("GET", "/api/holds/{}", "member", None, 404), ("PATCH", "/api/holds/{}", "member", {"suspended_until": None}, 404),
    ("DELETE", "/api/holds/{}", "member", None, 404), ("GET", "/api/chat/{}", "member", None, 400),
    ("POST", "/api/chat/{}", "member", {"message": ""}, 400), ("DELETE", "/api/chat/{}", "member", None, 400),
    ("DELETE", "/api/auth/keys/{}", "member", None, 404), ("POST", "/api/notices/{}/read", "member", None, 404),
]
# A lone '_' is a well-formed conversation id, of no conversation of this member's.
CONVERSATION_UNDERSCORE = {"GET": 404, "POST": 422, "DELETE": 204}

# (path, parameter, credential): every query parameter of every list.
QUERY_PARAMETERS = [
    *[("/api/books", name, "member") for name in ["q", "author", "available", "year_from", "year_to", "sort", "limit", "cursor"]],
    *[("/api/borrows", name, "librarian") for name in ["status", "limit", "cursor", "member"]],
    *[("/api/holds", name, "librarian") for name in ["status", "book_id", "limit", "cursor"]],
    *[("/api/chat", name, "member") for name in ["limit", "cursor"]],
    *[("/api/chat/{conversation}", name, "member") for name in ["limit", "cursor"]],
    *[("/api/jobs", name, "librarian") for name in ["state", "limit", "cursor"]],
    *[("/api/notices", name, "member") for name in ["unread", "limit", "cursor"]],
    *[("/api/webhooks/deliveries", name, "member") for name in ["limit", "cursor"]],
]
FREE_TEXT_QUERIES = {("/api/books", "q"): 200, ("/api/books", "author"): 200, ("/api/borrows", "member"): 404}

FIELD = "\0field"  # where the payload goes in a body below
NOBODY = "nobody-hostile@example.org"
# (method, path, credential, body, expected): every string field that is looked up or checked; the
# ones stored as they are (titles, names, messages) are TestStoredLiterally's.
STRING_FIELDS = [
    ("POST", "/api/auth/register", None, {"email": FIELD, "password": "long enough pass", "name": "N"}, 422),
    ("POST", "/api/auth/login", None, {"email": FIELD, "password": "long enough pass"}, 401),
    ("POST", "/api/auth/login", None, {"email": NOBODY, "password": FIELD}, 401),
    ("POST", "/api/auth/refresh", None, {"refresh_token": FIELD}, 401),
    ("POST", "/api/auth/generate-key", None, {"email": FIELD, "password": "wrong password"}, 422),
    ("POST", "/api/auth/generate-key", None, {"email": NOBODY, "password": "x", "scopes": [FIELD]}, 422),
    ("POST", "/api/auth/logout", "member", {"refresh_token": FIELD}, 400),
    ("POST", "/api/books", "librarian", {"title": "T", "author": "A", "isbn": FIELD, "year": 2000}, 422),
    ("PATCH", "/api/books/{book}", "librarian", {"isbn": FIELD}, 422),
    ("POST", "/api/books/{book}/items", "librarian", {"barcode": FIELD}, 422),
    ("PATCH", "/api/items/{barcode}", "librarian", {"status": FIELD}, 422),
    ("PATCH", "/api/holds/{hold}", "member", {"suspended_until": FIELD}, 422),
    ("POST", "/api/desk/checkout", "librarian", {"barcode": FIELD, "member_email": NOBODY}, 422),
    ("POST", "/api/desk/checkout", "librarian", {"barcode": "NOPE-1", "member_email": FIELD}, 404),
    ("POST", "/api/desk/checkin", "librarian", {"barcode": FIELD}, 422),
    ("PATCH", "/api/preferences", "member", {"webhook_url": FIELD}, 400),
    ("POST", "/api/books/{book}/borrow", "member", {"borrower_name": FIELD, "days": 0}, 422),
]


def unique_isbn():
    digits = [9, 7, 8] + [int(c) for c in str(uuid.uuid4().int)[:9]]
    return "".join(map(str, digits + [(10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10]))


@pytest.fixture(scope="module")
def targets(keys):
    """Things the SQL cases aim at: a book with one copy, a hold on it, a conversation."""
    librarian, member = bearer(keys, "librarian"), bearer(keys, "member")
    book = requests.post(f"{BASE_URL}/api/books", headers=librarian, timeout=5, json={
        "title": "Hostile Input", "author": "A. Tester", "isbn": unique_isbn(), "year": 2001, "copies": 1})
    assert book.status_code == 201, book.text
    book_id = book.json()["data"]["id"]
    barcode = requests.get(f"{BASE_URL}/api/books/{book_id}/items", headers=member, timeout=5).json()["data"][0]["barcode"]
    hold = requests.post(f"{BASE_URL}/api/books/{book_id}/holds", headers=member, json={}, timeout=5)
    assert hold.status_code == 201, hold.text
    conversation = "hostile-" + uuid.uuid4().hex[:8]
    said = requests.post(f"{BASE_URL}/api/chat/{conversation}", headers=member, json={"message": "hello"}, timeout=5)
    assert said.status_code == 200, said.text
    return {"book": book_id, "barcode": barcode, "hold": hold.json()["data"]["id"], "conversation": conversation}


def filled(value, payload):
    if value == FIELD:
        return payload
    if isinstance(value, dict):
        return {name: filled(item, payload) for name, item in value.items()}
    if isinstance(value, list):
        return [filled(item, payload) for item in value]
    return value


class TestSQLMetacharacters:
    @pytest.mark.parametrize("payload", SQL)
    @pytest.mark.parametrize("route", ID_ROUTES, ids=[f"{m} {r.replace('{}', 'ID')}" for m, r, *_ in ID_ROUTES])
    def test_in_a_path_id(self, serving, keys, route, payload):
        method, template, who, body, expected = route
        if template == "/api/chat/{}" and SQL[payload] == "_":
            expected = CONVERSATION_UNDERSCORE[method]
        response = requests.request(method, BASE_URL + template.format(quote(SQL[payload], safe="")), json=body,
                                    headers=bearer(keys, who), timeout=5)
        assert_response(response, expected)

    @pytest.mark.parametrize("payload", SQL)
    @pytest.mark.parametrize("parameter", QUERY_PARAMETERS, ids=[f"{p} {n}" for p, n, _ in QUERY_PARAMETERS])
    def test_in_a_query_parameter(self, serving, keys, targets, parameter, payload):
        path, name, who = parameter
        response = requests.get(BASE_URL + path.format(**targets), params={name: SQL[payload]},
                                headers=bearer(keys, who), timeout=5)
        assert_response(response, FREE_TEXT_QUERIES.get((path, name), 400))

    @pytest.mark.parametrize("payload", SQL)
    @pytest.mark.parametrize("path", ["/api/books", "/api/borrows", "/api/jobs"])
    def test_as_a_query_parameter_name(self, serving, keys, path, payload):
        response = requests.get(f"{BASE_URL}{path}?{quote(SQL[payload], safe='')}=1", headers=bearer(keys, "librarian"),
                                timeout=5)
        assert_response(response, 400)

    @pytest.mark.parametrize("payload", SQL)
    @pytest.mark.parametrize("field", STRING_FIELDS,
                             ids=[f"{m} {p} {next(k for k, v in b.items() if FIELD in (v if isinstance(v, list) else [v]))}"
                                  for m, p, _, b, _ in STRING_FIELDS])
    def test_in_a_json_string_field(self, serving, keys, targets, field, payload):
        method, path, who, body, expected = field
        response = requests.request(method, BASE_URL + path.format(**targets), json=filled(body, SQL[payload]),
                                    headers=bearer(keys, who), timeout=5)
        assert_response(response, expected)


class TestStoredLiterally:
    """Text that is stored comes back byte for byte, and searching for it matches it literally."""
    writes = True

    @pytest.mark.parametrize("payload", SQL)
    def test_a_title_and_author_are_stored_and_searched_literally(self, serving, keys, payload):
        tag = uuid.uuid4().hex[:8]
        text = f"{SQL[payload]} {tag}"
        librarian = bearer(keys, "librarian")
        created = requests.post(f"{BASE_URL}/api/books", headers=librarian, timeout=5, json={
            "title": text, "author": text, "isbn": unique_isbn(), "year": 2001})
        assert created.status_code == 201, created.text
        book = f"{BASE_URL}/api/books/{created.json()['data']['id']}"
        try:
            shown = requests.get(book, headers=librarian, timeout=5)
            assert (shown.json()["data"]["title"], shown.json()["data"]["author"]) == (text, text)
            found = requests.get(f"{BASE_URL}/api/books", params={"author": SQL[payload], "limit": 100},
                                 headers=librarian, timeout=5)
            assert found.status_code == 200, found.text
            authors = [book["author"] for book in found.json()["data"]]
            assert all(SQL[payload].lower() in author.lower() for author in authors), authors
            tagged = requests.get(f"{BASE_URL}/api/books", params={"author": text}, headers=librarian, timeout=5)
            assert [book["author"] for book in tagged.json()["data"]] == [text]
        finally:
            # The catalog other tests search stays as it was (an author "%" would match a search for "%").
            assert requests.delete(book, headers=librarian, timeout=5).status_code == 204

    @pytest.mark.parametrize("payload", SQL)
    def test_a_name_is_stored_literally(self, serving, payload):
        email, password = register(name=f"{SQL[payload]} name")
        key = new_key(email, password)["api_key"]
        me = requests.get(f"{BASE_URL}/api/auth/me", headers={"Authorization": f"Bearer {key}"}, timeout=5)
        assert me.json()["data"]["name"] == f"{SQL[payload]} name"

    @pytest.mark.parametrize("payload", SQL)
    def test_a_chat_message_is_stored_literally(self, serving, keys, payload):
        conversation = "hostile-" + uuid.uuid4().hex[:8]
        message = f"find {SQL[payload]} please"
        said = requests.post(f"{BASE_URL}/api/chat/{conversation}", headers=bearer(keys, "member"),
                             json={"message": message}, timeout=5)
        assert said.status_code == 200, said.text
        shown = requests.get(f"{BASE_URL}/api/chat/{conversation}", headers=bearer(keys, "member"), timeout=5)
        assert shown.json()["data"][0]["content"] == message, shown.text


# --- path traversal in ids -------------------------------------------------------------------------

# (id, expected, expected for a conversation id): where nginx resolves the dots (decoded or not)
# the path leaves /api/ and nginx answers 404; otherwise a worker gets the id whole, finds no such
# book, copy or hold (404), and refuses it as a conversation id of the wrong form (400).
TRAVERSALS = {
    "dot-dot-slash": ("../../health", 404, 404), "encoded-dot-dot-slash": ("%2e%2e%2f%2e%2e%2fhealth", 404, 404),
    "encoded-slash": ("1%2F..%2F..%2Fhealth", 404, 400), "mixed-case-encoding": ("%2E%2E%2Fhealth", 404, 400),
    "double-encoded": ("%252e%252e%252fhealth", 404, 400), "backslashes": ("..%5C..%5Chealth", 404, 400),
    "dot-segment-after-id": ("1/..", 404, 404), "encoded-nul-then-dots": ("1%00/../..", 400, 400),
    "overlong-slash": ("..%c0%afhealth", 400, 400), "semicolon": ("1;/../health", 404, 404),
}
TRAVERSAL_ROUTES = ["/api/books/{}", "/api/items/{}", "/api/chat/{}", "/api/holds/{}"]


class TestPathTraversal:
    @pytest.mark.parametrize("case", TRAVERSALS, ids=list(TRAVERSALS))
    @pytest.mark.parametrize("route", TRAVERSAL_ROUTES)
    def test_traversal_in_an_id_reaches_nothing_else(self, serving, keys, route, case):
        text, expected, for_conversations = TRAVERSALS[case]
        answer = raw("GET", route.format(text), [("Authorization", f"Bearer {keys['librarian']}")])
        assert_answer(*answer, for_conversations if route.startswith("/api/chat/") else expected)
