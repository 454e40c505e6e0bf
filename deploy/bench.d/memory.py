"""The "memory" scenario of deploy/bench: is a worker's memory flat once warm, whoever calls?

One worker, started for this scenario alone as a pool of one (spawn_pool with `multiwatch -f 1`, the
stack's binary and environment file, exactly as the worker pools are), is sent 20,000 authenticated
requests straight on its socket, one at a time, with the params nginx sends: GET /api/books/{id},
GET /api/borrows and GET /api/auth/me in turn, from 2,000 members, half with an API key and half
with an access token. Each block of 1,000 requests brings 100 members the worker has never served
(5 requests each) and 500 requests from members seen before, so anything kept per caller would grow
through the whole run, and anything kept per request as well. The worker's memory is read from
/proc/PID/smaps_rollup before the first request and after every 1,000; the first 2,000 are the
warm-up; the check is the growth of its private memory (Private_Clean + Private_Dirty) from the end
of the warm-up to the end.

Straight to the socket rather than through nginx: the sampled process is then, beyond doubt, the one
that served every request (nginx balances over every pool it knows), and the bench's pools, nginx
and their settings stay as the other scenarios use them."""
import hashlib
import random
import secrets
import socket
import struct
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import procstat

MEMBERS = 2_000
REQUESTS = 20_000
SAMPLE_EVERY = 1_000
WARMUP = 2_000
NEW_PER_BLOCK = 100  # members first seen in each block of SAMPLE_EVERY requests
REQUESTS_PER_NEW = 5
GROWTH_LIMIT_KIB = 256  # the target: private memory grows at most 256 KiB from the warm-up to the end
RETURNED_LOANS = 3  # per member, so that GET /api/borrows has rows to write
ENDPOINTS = ("book", "borrows", "me")

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


# --- the members and their credentials --------------------------------------------------------------

def create_members(stack, api, password_hash):
    """MEMBERS members made in SQL (the argon2id of 2,000 registrations would take minutes), each with
    RETURNED_LOANS returned loans; even-numbered ones get an API key (stored as its SHA-256 hash, as
    the worker makes them), odd-numbered ones an access token from POST /api/auth/refresh on a refresh
    token made in SQL. Returns [(email, bearer)] in member order."""
    emails = [f"memory{n:04d}@bench.example.org" for n in range(MEMBERS)]
    keys = {n: f"stk_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}" for n in range(0, MEMBERS, 2)}
    refresh = {n: f"rt_{secrets.token_urlsafe(32)}" for n in range(1, MEMBERS, 2)}
    values = ",".join(f"('{e}', 'Memory {n}')" for n, e in enumerate(emails))
    stack.psql(f"""
        INSERT INTO members (email, name, password_hash)
        SELECT v.email, v.name, {sql_text(password_hash)} FROM (VALUES {values}) AS v (email, name)""", owner=True)
    ids = dict(line.split("|") for line in stack.psql(
        "SELECT email, id FROM members WHERE email LIKE 'memory%@bench.example.org'").split())
    key_rows = ",".join(f"({ids[emails[n]]}, '{k[:12]}', '{sha256(k)}', 'bench memory', '{{read,write}}')"
                        for n, k in keys.items())
    token_rows = ",".join(
        f"(gen_random_uuid(), {ids[emails[n]]}, '{sha256(t)}', '{{read,write}}', now() + interval '1 day')"
        for n, t in refresh.items())
    stack.psql(f"INSERT INTO api_keys (member_id, prefix, key_hash, label, scopes) VALUES {key_rows}", owner=True)
    stack.psql(f"INSERT INTO refresh_tokens (family, member_id, token_hash, scopes, expires_at) VALUES {token_rows}",
               owner=True)
    # Returned loans only: they hold no item, so no copy of the catalog is taken (triggers off, as
    # for a bulk load of consistent rows).
    stack.psql(f"""
        INSERT INTO loans (book_id, member_id, book_title, borrower_name, borrowed_at, due_at, returned_at)
        SELECT b.id, m.id, b.title, m.name, now() - interval '20 days', now() - interval '6 days',
               now() - interval '10 days'
        FROM members m CROSS JOIN generate_series(1, {RETURNED_LOANS}) AS s
        JOIN books b ON b.id = (SELECT min(id) FROM books) + (m.id * 7 + s) % 400
        WHERE m.email LIKE 'memory%@bench.example.org'""", owner=True, bulk=True)

    def access_token(n):
        return api.expect(200, "POST", "/api/auth/refresh", {"refresh_token": refresh[n]})["data"]["access_token"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = dict(zip(refresh, pool.map(access_token, refresh)))
    return [(e, keys.get(n) or tokens[n]) for n, e in enumerate(emails)]


def sql_text(value):
    return "'" + value.replace("'", "''") + "'"


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


# --- the order of the requests ----------------------------------------------------------------------

def schedule(seed=16):
    """REQUESTS (member index, endpoint) pairs: block b of SAMPLE_EVERY brings members
    NEW_PER_BLOCK·b … NEW_PER_BLOCK·(b+1)−1 (REQUESTS_PER_NEW requests each), the rest of the block
    from members seen before (in the first block, from its own), shuffled within the block; the
    endpoints take turns."""
    rng = random.Random(seed)
    out = []
    for block in range(REQUESTS // SAMPLE_EVERY):
        new = range(NEW_PER_BLOCK * block, NEW_PER_BLOCK * (block + 1))
        seen = NEW_PER_BLOCK * block or NEW_PER_BLOCK
        members = [m for m in new for _ in range(REQUESTS_PER_NEW)]
        members += [rng.randrange(seen) for _ in range(SAMPLE_EVERY - len(members))]
        rng.shuffle(members)
        out += members
    return [(member, ENDPOINTS[k % len(ENDPOINTS)]) for k, member in enumerate(out)]


# --- FastCGI, as nginx speaks it --------------------------------------------------------------------

def _record(kind, content, request_id=1):
    padding = -len(content) % 8
    return struct.pack("!BBHHBB", 1, kind, request_id, len(content), padding, 0) + content + b"\0" * padding


def _length(n):
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)


def _pairs(params):
    return b"".join(_length(len(k)) + _length(len(v)) + k + v
                    for k, v in ((k.encode(), v.encode()) for k, v in params.items()))


def fastcgi_get(path, uri, bearer, script):
    """Sends one GET on a new connection to the worker's socket (nginx's fastcgi_keep_conn off) and
    returns the CGI status of its answer (None when the worker closed without one)."""
    route, _, query = uri.partition("?")
    params = {
        "QUERY_STRING": query, "REQUEST_METHOD": "GET", "CONTENT_TYPE": "", "CONTENT_LENGTH": "",
        "SCRIPT_NAME": route, "REQUEST_URI": uri, "DOCUMENT_URI": route, "DOCUMENT_ROOT": "/usr/share/nginx/html",
        "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_SCHEME": "http", "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "nginx", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "80", "SERVER_NAME": "_", "REDIRECT_STATUS": "200", "HTTP_HOST": "127.0.0.1",
        "REQUEST_ID": uuid.uuid4().hex, "SCRIPT_FILENAME": script, "HTTP_PROXY": "",
        "HTTP_USER_AGENT": "deploy/bench memory", "HTTP_ACCEPT": "*/*", "HTTP_AUTHORIZATION": f"Bearer {bearer}",
    }
    message = (_record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", 1, 0)) + _record(FCGI_PARAMS, _pairs(params))
               + _record(FCGI_PARAMS, b"") + _record(FCGI_STDIN, b""))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(path)
        conn.sendall(message)
        stdout, buffer = b"", b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buffer += chunk
            while len(buffer) >= 8:
                _, kind, _, length, padding, _ = struct.unpack("!BBHHBB", buffer[:8])
                if len(buffer) < 8 + length + padding:
                    break
                content, buffer = buffer[8:8 + length], buffer[8 + length + padding:]
                if kind == FCGI_STDOUT:
                    stdout += content
                elif kind == FCGI_END_REQUEST:
                    head = stdout.split(b"\r\n\r\n", 1)[0].decode("latin-1")
                    status = next((line.split(":", 1)[1].split()[0] for line in head.split("\r\n")
                                   if line.lower().startswith("status:")), "200")
                    return int(status)


# --- the run ----------------------------------------------------------------------------------------

def sample(pid):
    """The worker's memory now, in KiB, from /proc/PID/smaps_rollup (None when it is gone)."""
    values = procstat.smaps_rollup(pid)
    if values is None:
        return None
    return {"rss_kib": values["Rss"], "pss_kib": values["Pss"],
            "private_kib": values["Private_Clean"] + values["Private_Dirty"],
            "private_dirty_kib": values["Private_Dirty"]}


def measure(stack, credentials, book_ids, say):
    """Starts the one-worker pool, runs the schedule through it, and returns the curve and its verdict."""
    worker, socket_path = stack.start_memory_worker()
    rng = random.Random(9)
    low, high = book_ids
    samples = [{"requests": 0, **sample(worker)}]
    statuses, errors = {}, 0
    started = time.monotonic()
    try:
        for k, (member, endpoint) in enumerate(schedule(), start=1):
            uri = {"book": f"/api/books/{rng.randint(low, high)}", "borrows": "/api/borrows",
                   "me": "/api/auth/me"}[endpoint]
            status = fastcgi_get(socket_path, uri, credentials[member][1], stack.binary)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            errors += status is None or not 200 <= status < 300
            if k % SAMPLE_EVERY == 0:
                now = sample(worker)
                if now is None:
                    raise RuntimeError(f"the memory scenario's worker {worker} died after {k} requests")
                samples.append({"requests": k, **now})
                if k % (5 * SAMPLE_EVERY) == 0:
                    say(f"memory: {k:,} requests, private {now['private_kib']:,} KiB, Pss {now['pss_kib']:,} KiB")
    finally:
        seconds = time.monotonic() - started
        stack.stop_memory_worker()
    warm = next(s for s in samples if s["requests"] == WARMUP)
    end = samples[-1]
    growth = end["private_kib"] - warm["private_kib"]
    return {
        "worker_pid": worker, "members": MEMBERS, "requests": REQUESTS, "warmup_requests": WARMUP,
        "sample_every": SAMPLE_EVERY, "new_members_per_sample": NEW_PER_BLOCK, "seconds": round(seconds, 1),
        "rps": REQUESTS / seconds if seconds else 0.0, "statuses": statuses, "errors": errors, "samples": samples,
        "private_growth_kib": growth,
        "private_growth_share": growth / warm["private_kib"] if warm["private_kib"] else None,
        "pss_growth_kib": end["pss_kib"] - warm["pss_kib"], "rss_growth_kib": end["rss_kib"] - warm["rss_kib"],
        "limit_kib": GROWTH_LIMIT_KIB, "flat": errors == 0 and growth <= GROWTH_LIMIT_KIB,
    }
