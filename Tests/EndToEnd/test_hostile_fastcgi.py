"""Raw FastCGI records straight to a pool's socket, past nginx (in CGI mode to fcgiwrap's, which
parses them with the same libfcgi): malformed and truncated records, params that are not
name-value pairs, huge params, a STDIN longer or shorter than CONTENT_LENGTH, missing params, and
clients that stall. Each case is one test and ends with the expected answer (a 4xx for a request
that cannot be served, a closed connection for broken framing), never a 5xx, and with the stack
serving the next request with all its workers; each group (a class) writes nothing, and in pooled
mode no worker died."""
import socket
import struct
import time

import pytest

from conftest import MODE, stack_setting
from wire import (FCGI_ABORT_REQUEST, FCGI_BEGIN_REQUEST, FCGI_DATA, FCGI_END_REQUEST, FCGI_GET_VALUES,
                  FCGI_GET_VALUES_RESULT, FCGI_PARAMS, FCGI_STDIN, FCGI_UNKNOWN_TYPE, assert_serving,
                  begin_request, fcgi_exchange, fcgi_pairs_bytes, fcgi_record, fcgi_request, fcgi_stream,
                  leaving_no_trace, read_fcgi_answer, request_params, serving, worker_sockets, workers)  # noqa: F401

CLOSED = None  # the expected status when the connection closes without an answer
# How long a worker waits on a stalled connection (STACKS_FASTCGI_TIMEOUT_MS), plus libfcgi's wait
# of up to 2 s for the peer to hang up once it closes its side, plus slack.
STALL_SECONDS = int(stack_setting("STACKS_FASTCGI_TIMEOUT_MS", "10000")) / 1000 + 2 + 2


@pytest.fixture(scope="module")
def socket_path():
    """The socket nginx sends requests to: pool 1's, or fcgiwrap's."""
    return worker_sockets()[0]


@pytest.fixture(scope="class", autouse=True)
def group_leaves_no_trace(workers):
    """Around each class: nothing written, and in pooled mode the very same workers."""
    with leaving_no_trace(workers):
        yield


def assert_fastcgi_answer(answer, expected):
    """The expected CGI status with a problem document for a 4xx, or a connection closed
    without a byte of an answer."""
    if expected is CLOSED:
        assert answer.status is None and answer.closed_early, answer
        return
    assert answer.status == expected, answer
    assert not answer.closed_early and answer.records[-1] == FCGI_END_REQUEST, answer
    if expected >= 400:
        assert dict(answer.headers)["content-type"].startswith("application/problem+json"), answer


PARAMS = fcgi_pairs_bytes(request_params())
HEALTH = fcgi_request(request_params())
END_PARAMS = fcgi_record(FCGI_PARAMS, 1, b"")
NO_STDIN = fcgi_record(FCGI_STDIN, 1, b"")


def begin_body(role=1, flags=0):
    return struct.pack("!HB5x", role, flags)


# --- broken framing: the connection is closed, nothing is served -----------------------------------

BROKEN = {
    "version-0": fcgi_record(FCGI_BEGIN_REQUEST, 1, begin_body(), version=0) + fcgi_stream(FCGI_PARAMS, 1, PARAMS),
    "version-2": fcgi_record(FCGI_BEGIN_REQUEST, 1, begin_body(), version=2) + fcgi_stream(FCGI_PARAMS, 1, PARAMS),
    "version-255-on-params": begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS, version=255) + END_PARAMS,
    "begin-request-id-0": begin_request(0) + fcgi_stream(FCGI_PARAMS, 0, PARAMS) + fcgi_stream(FCGI_STDIN, 0, b""),
    "begin-body-too-short": fcgi_record(FCGI_BEGIN_REQUEST, 1, begin_body()[:3]) + fcgi_stream(FCGI_PARAMS, 1, PARAMS),
    "begin-body-too-long": fcgi_record(FCGI_BEGIN_REQUEST, 1, begin_body() + b"xx") + fcgi_stream(FCGI_PARAMS, 1, PARAMS),
    "unknown-role": begin_request(role=99) + fcgi_stream(FCGI_PARAMS, 1, PARAMS) + NO_STDIN,
    "params-of-another-request-id": begin_request() + fcgi_stream(FCGI_PARAMS, 2, PARAMS) + NO_STDIN,
    "stdin-before-the-params-end": begin_request() + fcgi_record(FCGI_STDIN, 1, b"{}") + fcgi_stream(FCGI_PARAMS, 1, PARAMS),
    "unknown-type-on-the-request": begin_request() + fcgi_record(99, 1, b"xx") + fcgi_stream(FCGI_PARAMS, 1, PARAMS),
    "abort-amid-the-params": begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS) + fcgi_record(FCGI_ABORT_REQUEST, 1, b""),
    "content-length-past-the-data": begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS, declared_length=len(PARAMS) + 100),
    "padding-shorter-than-declared": begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS, padding=200, padding_bytes=b"")
    + END_PARAMS + NO_STDIN,
    "padding-longer-than-declared": begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS, padding_bytes=b"\0" * 7)
    + END_PARAMS + NO_STDIN,
    "get-values-not-name-value-pairs": fcgi_record(FCGI_GET_VALUES, 0, b"\x7f") + HEALTH,
    # Truncated: the peer hangs up mid-way.
    "header-cut": begin_request()[:5],
    "begin-body-cut": begin_request()[:12],
    "params-cut-mid-record": begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS)[:40],
    "params-never-ended": begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS),
    # Params that are not name-value pairs.
    "pair-longer-than-the-stream": begin_request() + fcgi_stream(FCGI_PARAMS, 1, PARAMS + b"\x0a\x01abc") + NO_STDIN,
    "four-byte-length-cut": begin_request() + fcgi_stream(FCGI_PARAMS, 1, PARAMS + b"\x80\x00") + NO_STDIN,
    "value-length-missing": begin_request() + fcgi_stream(FCGI_PARAMS, 1, PARAMS + b"\x05") + NO_STDIN,
    "lengths-of-2-gib": begin_request() + fcgi_stream(FCGI_PARAMS, 1, b"\xff\xff\xff\xff\xff\xff\xff\xffab") + NO_STDIN,
    "name-of-100-mib": begin_request() + fcgi_stream(FCGI_PARAMS, 1, b"\x86\x40\x00\x00\x01ab") + NO_STDIN,
}


# libfcgi ends a PARAMS stream at the first failed read or bad record and reports success with the
# params so far; our worker checks the stream's error and drops such a request (Worker.swift).
# fcgiwrap does not: it runs the worker with the params that arrived.
FAILED_PARAMS_STREAMS = {"version-255-on-params", "params-of-another-request-id", "stdin-before-the-params-end",
                         "unknown-type-on-the-request", "abort-amid-the-params", "content-length-past-the-data",
                         "padding-shorter-than-declared", "padding-longer-than-declared", "params-never-ended"}
FCGIWRAP_SERVES_THEM = "fcgiwrap (not ours) serves a request whose PARAMS stream failed, with the params that arrived"


def cases(table, skipped_in_cgi=(), reason=""):
    """A table's names as parameters, those in `skipped_in_cgi` skipped in CGI mode for `reason`."""
    return [pytest.param(name, id=name, marks=pytest.mark.skipif(MODE == "cgi" and name in skipped_in_cgi, reason=reason))
            for name in table]


class TestBrokenFraming:
    @pytest.mark.parametrize("case", cases(BROKEN, FAILED_PARAMS_STREAMS, FCGIWRAP_SERVES_THEM))
    def test_broken_framing_closes_the_connection(self, serving, socket_path, case):
        assert_fastcgi_answer(fcgi_exchange(socket_path, BROKEN[case]), CLOSED)


# --- requests that frame well and cannot be served: a 4xx ------------------------------------------

def post_register(body, stdin=None, **overrides):
    """A POST to the public register endpoint, whose empty or unreadable bodies are refused."""
    params = request_params("POST", "/api/auth/register", body=body, **overrides)
    return fcgi_request(params, body if stdin is None else stdin)


SERVED = {
    "no-request-method": (fcgi_request(request_params(REQUEST_METHOD=None)), 400),
    "empty-request-method": (fcgi_request(request_params(REQUEST_METHOD="")), 400),
    "no-params-at-all": (begin_request() + fcgi_stream(FCGI_PARAMS, 1, b"") + NO_STDIN, 400),
    "pairs-of-empty-names": (begin_request() + fcgi_stream(FCGI_PARAMS, 1, b"\0" * 50) + NO_STDIN, 400),
    "no-request-uri-nor-script-name": (fcgi_request(request_params(REQUEST_URI=None, SCRIPT_NAME=None)), 404),
    "invalid-utf8-in-the-uri": (fcgi_request(request_params(REQUEST_URI=b"/api/he\xffalth")), 400),
    "invalid-utf8-in-the-method": (fcgi_request(request_params(REQUEST_METHOD=b"G\xffT")), 405),
    "invalid-utf8-in-the-credential": (fcgi_request(request_params(uri="/api/auth/me",
                                                                   HTTP_AUTHORIZATION=b"Bearer \xff\xfe")), 401),
    "nul-ends-a-credential": (fcgi_request(request_params(uri="/api/auth/me", HTTP_AUTHORIZATION=b"Bearer \0x")), 401),
    "stdin-longer-than-content-length": (post_register(b"{}", stdin=b"{}" + b"garbage" * 1000), 422),
    "stdin-shorter-than-content-length": (post_register(b'{"email": "a@b.c"}', stdin=b'{"em'), 400),
    "content-length-without-stdin": (begin_request() + fcgi_stream(
        FCGI_PARAMS, 1, fcgi_pairs_bytes(request_params("POST", "/api/auth/register", body=b"{}"))), 400),
    "stdin-without-content-length": (post_register(b"{}", CONTENT_LENGTH=None), 400),
    "stdin-over-the-limit": (post_register(b" " * (int(stack_setting("STACKS_MAX_BODY", "1048576")) + 1)), 413),
    "content-length-huge-stdin-short": (post_register(b"{}", CONTENT_LENGTH="99999999999999"), 413),
    "content-length-past-int64": (post_register(b"{}", CONTENT_LENGTH="99999999999999999999999"), 400),
    "content-length-negative": (post_register(b"{}", CONTENT_LENGTH="-2"), 400),
    "content-length-not-a-number": (post_register(b"{}", CONTENT_LENGTH="two"), 400),
    "no-content-type-is-taken-for-json": (post_register(b"{}", CONTENT_TYPE=None), 422),
    "content-type-not-json": (post_register(b"{}", CONTENT_TYPE="text/plain"), 415),
    "stdin-of-another-request-id": (begin_request() + fcgi_stream(
        FCGI_PARAMS, 1, fcgi_pairs_bytes(request_params("POST", "/api/auth/register", body=b"{}")))
        + fcgi_stream(FCGI_STDIN, 2, b"{}"), 400),
    "abort-amid-the-stdin": (begin_request() + fcgi_stream(
        FCGI_PARAMS, 1, fcgi_pairs_bytes(request_params("POST", "/api/auth/register", body=b"{}")))
        + fcgi_record(FCGI_ABORT_REQUEST, 1, b""), 400),
}


# Without SCRIPT_FILENAME fcgiwrap has nothing to run and answers a plain-text 403 itself.
FCGIWRAP_ANSWERS = {"no-params-at-all": 403, "pairs-of-empty-names": 403}


class TestRefused:
    @pytest.mark.parametrize("case", SERVED, ids=list(SERVED))
    def test_a_request_that_cannot_be_served_is_a_4xx(self, serving, socket_path, case):
        data, expected = SERVED[case]
        answer = fcgi_exchange(socket_path, data)
        if MODE == "cgi" and case in FCGIWRAP_ANSWERS:
            assert answer.status == FCGIWRAP_ANSWERS[case] and answer.records[-1] == FCGI_END_REQUEST, answer
        else:
            assert_fastcgi_answer(answer, expected)


# --- records a server may send, and huge params: answered as the protocol says ---------------------

class TestProtocol:
    def test_an_unknown_management_record_gets_unknown_type_and_the_request_is_served(self, serving, socket_path):
        answer = fcgi_exchange(socket_path, fcgi_record(99, 0, b"") + HEALTH)
        assert answer.records[0] == FCGI_UNKNOWN_TYPE
        assert_fastcgi_answer(answer, 200)

    def test_get_values_is_answered_and_the_request_served(self, serving, socket_path):
        query = fcgi_record(FCGI_GET_VALUES, 0, fcgi_pairs_bytes([("FCGI_MPXS_CONNS", ""), ("FCGI_MAX_REQS", "")]))
        answer = fcgi_exchange(socket_path, query + HEALTH)
        assert answer.records[0] == FCGI_GET_VALUES_RESULT
        assert_fastcgi_answer(answer, 200)

    def test_a_second_request_on_the_connection_is_refused_as_multiplexing(self, serving, socket_path):
        data = begin_request(1) + begin_request(2) + fcgi_stream(FCGI_PARAMS, 1, PARAMS) + NO_STDIN
        with socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(10)
            conn.connect(socket_path)
            conn.sendall(data)
            header = conn.recv(8, socket.MSG_WAITALL)
            _, kind, request_id, length, padding, _ = struct.unpack("!BBHHBB", header)
            body = conn.recv(length + padding, socket.MSG_WAITALL)
            assert (kind, request_id, body[4]) == (FCGI_END_REQUEST, 2, 1)  # FCGI_CANT_MPX_CONN
            assert_fastcgi_answer(read_fcgi_answer(conn), 200)

    @pytest.mark.skipif(MODE == "cgi", reason="fcgiwrap closes each connection after its request")
    def test_two_requests_on_a_kept_connection_are_both_served(self, serving, socket_path):
        keep = fcgi_record(FCGI_BEGIN_REQUEST, 1, begin_body(flags=1))
        with socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(10)
            conn.connect(socket_path)
            conn.sendall(keep + fcgi_stream(FCGI_PARAMS, 1, PARAMS) + NO_STDIN)
            assert_fastcgi_answer(read_fcgi_answer(conn), 200)
            conn.sendall(keep + fcgi_stream(FCGI_PARAMS, 1, PARAMS) + NO_STDIN)
            # A recycled worker exits after its one request, and closes the connection it kept.
            assert_fastcgi_answer(read_fcgi_answer(conn), CLOSED if MODE == "recycled" else 200)

    @pytest.mark.parametrize("role", [2, 3], ids=["authorizer", "filter"])
    def test_another_role_is_answered_as_a_responder(self, serving, socket_path, role):
        data = begin_request(role=role) + fcgi_stream(FCGI_PARAMS, 1, PARAMS) + NO_STDIN + fcgi_stream(FCGI_DATA, 1, b"")
        assert_fastcgi_answer(fcgi_exchange(socket_path, data), 200)

    def test_a_padded_record_is_read_past_its_padding(self, serving, socket_path):
        data = begin_request() + fcgi_record(FCGI_PARAMS, 1, PARAMS, padding=255) + END_PARAMS + NO_STDIN
        assert_fastcgi_answer(fcgi_exchange(socket_path, data), 200)

    def test_a_nul_in_a_value_ends_it(self, serving, socket_path):
        # libfcgi hands values over as C strings: "GET\0POST" is GET, "/api/health\0/x" is /api/health.
        data = fcgi_request(request_params(REQUEST_METHOD="GET\0POST", REQUEST_URI="/api/health\0/../x"))
        assert_fastcgi_answer(fcgi_exchange(socket_path, data), 200)

    @pytest.mark.parametrize("size", [
        pytest.param(100 << 10, id="100-kib"),
        pytest.param(1 << 20, id="1-mib", marks=pytest.mark.skipif(
            MODE == "cgi", reason="fcgiwrap passes params to execve, which refuses a variable over 128 KiB: it answers "
                                  "502 itself (nginx never sends a header line over 8 KiB)"))])
    def test_a_huge_header_in_the_params_is_served(self, serving, socket_path, size):
        data = fcgi_request(request_params(headers=[("X-Padding", "a" * size)]))
        assert_fastcgi_answer(fcgi_exchange(socket_path, data, timeout=30), 200)

    def test_ten_thousand_params_are_served(self, serving, socket_path):
        data = fcgi_request(request_params(headers=[(f"X-H{i}", "v") for i in range(10_000)]))
        assert_fastcgi_answer(fcgi_exchange(socket_path, data, timeout=30), 200)


# --- clients that stall ----------------------------------------------------------------------------

POST_PARAMS = fcgi_pairs_bytes(request_params("POST", "/api/auth/register", body=b"{}" * 50))
STALLS = {
    "nothing-sent": b"",
    "half-a-header": begin_request()[:5],
    "begin-request-only": begin_request(),
    "half-the-params": begin_request() + fcgi_record(FCGI_PARAMS, 1, POST_PARAMS)[:60],
    "params-without-their-end": begin_request() + fcgi_record(FCGI_PARAMS, 1, POST_PARAMS),
    "half-the-body": begin_request() + fcgi_stream(FCGI_PARAMS, 1, POST_PARAMS) + fcgi_record(FCGI_STDIN, 1, b"{}" * 25),
}
NO_TIMEOUT_IN_CGI = ("fcgiwrap (Debian's, not ours) reads with libfcgi and no timeout: a client of its socket that "
                     "stalls holds one of its processes until it hangs up; nginx, its only client, never stalls")


def stalled_clients(data, per_socket):
    """`per_socket` connections to each pool's socket, each sent `data` and then left waiting: one
    for every worker, so that none is free until the stalled ones are dropped."""
    clients = []
    for path in worker_sockets():
        for _ in range(per_socket):
            conn = socket.socket(socket.AF_UNIX)
            conn.settimeout(STALL_SECONDS + 5)
            conn.connect(path)
            conn.sendall(data)
            clients.append(conn)
    return clients


@pytest.mark.skipif(MODE == "cgi", reason=NO_TIMEOUT_IN_CGI)
class TestStalls:
    @pytest.mark.parametrize("case", STALLS, ids=list(STALLS))
    def test_a_stalled_client_is_dropped_and_the_workers_serve_again(self, serving, workers, case):
        clients = stalled_clients(STALLS[case], workers // len(worker_sockets()))
        try:
            time.sleep(0.2)  # every worker now holds one
            started = time.monotonic()
            assert_serving(workers, seconds=STALL_SECONDS)
            assert time.monotonic() - started < STALL_SECONDS
            for conn in clients:
                answer = read_fcgi_answer(conn)
                # Dropped unanswered, or (a body cut short) refused: never served.
                assert answer.status in (None, 400), answer
        finally:
            for conn in clients:
                conn.close()

    def test_a_client_that_never_reads_its_answer_is_dropped(self, serving, workers):
        # A method of 300 KiB: the 405 names it twice, so the answer is larger than the worker's
        # socket buffer (208 KiB) and its write blocks.
        data = fcgi_request(request_params(REQUEST_METHOD="X" * 300_000))
        clients = stalled_clients(data, workers // len(worker_sockets()))
        try:
            time.sleep(0.2)
            assert_serving(workers, seconds=STALL_SECONDS)
            for conn in clients:
                answer = read_fcgi_answer(conn)
                assert answer.closed_early and answer.records, answer.records  # cut off mid-answer
        finally:
            for conn in clients:
                conn.close()
