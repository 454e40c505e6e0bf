"""A real HTTP server for webhook tests: it listens on 127.0.0.1, records every POST (time, path,
headers, body) and answers by a per-path script, and verifies Stacks-Signature as a receiver would."""
import hashlib
import hmac
import http.server
import threading
import time


def verify(secret, header, body, tolerance=300):
    """Stripe-style check: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>, t within `tolerance` s."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= tolerance


class Receiver:
    """`script(path, n)` gives the status of the n-th POST (1-based) to `path`, or None to never answer."""

    def __init__(self, script=lambda path, n: 200):
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    n = 1 + sum(1 for r in receiver.requests if r["path"] == self.path)
                    receiver.requests.append({"time": time.time(), "path": self.path, "headers": dict(self.headers),
                                              "body": body})
                status = script(self.path, n)
                if status is None:
                    time.sleep(30)
                    return
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the runner was killed while it waited for this answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def received(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
