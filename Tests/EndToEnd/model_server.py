"""A local OpenAI-compatible chat-completions server for the model backend's tests.

It speaks the real wire protocol: POST /v1/chat/completions with `model`, `messages`, `tools` and
`tool_choice`, answered with `choices[0].message` holding `content` or `tool_calls` (id, type
"function", function {name, arguments as a JSON text}), a `finish_reason` and `usage`. What it
answers is scripted from the last user message, the notes after earlier replies ("[listed book
ids, in order: …]") and the tool results that follow, so a test knows exactly what the "model"
does:

  "find books about X" / "books by X"    → search_books, then the found titles, numbered
  "tell me about the second one" / "it"  → get_book with the id from the notes, then its copies
  "what have I borrowed?"                → my_loans, then the loans
  "borrow the second one" / "borrow it"  → propose_borrow with the id from the notes
  "return it" / "renew it"               → propose_return / propose_renew with the id from the notes
  anything else                          → a short answer in words, no tool

Faults are queued with POST /control {"mode": …, "count": n, "delay": seconds}; each chat request
takes the next one: slow (sleep `delay`, then answer as usual), status500, garbage (not JSON),
endless (a tool call every time, whatever tool_choice says), unknown_tool, bad_arguments, chunked
(the usual answer, sent with Transfer-Encoding: chunked). GET /requests lists every request
received (path, Authorization, body); POST /reset forgets requests and queued faults.

Run: python3 model_server.py [--port N]; it prints "listening on 127.0.0.1:<port>" when ready.
"""
import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "1st": 0, "2nd": 1, "3rd": 2}


class State:
    """What the server remembers: the requests received and the faults queued (guarded by a lock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.faults = []
        self.calls = 0

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)

    def next_fault(self):
        with self.lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault["count"] -= 1
            if fault["count"] <= 0:
                self.faults.pop(0)
            return dict(fault)

    def next_call_id(self):
        with self.lock:
            self.calls += 1
            return f"call_{self.calls}"


STATE = State()


def notes(messages):
    """The ids the latest earlier reply listed, and the book the latest one was about."""
    listed, focus = [], None
    for message in messages:
        if message.get("role") != "assistant" or not message.get("content"):
            continue
        found = re.search(r"\[listed book ids, in order: ([0-9, ]+)", message["content"])
        about = re.search(r"about book id (\d+)", message["content"])
        if found:
            listed = [int(n) for n in found.group(1).split(",")]
            focus = None
        if about:
            focus = int(about.group(1))
    return listed, focus


def referred_book(text, listed, focus):
    """The book id a message points at: an ordinal into the listed ids, "book 12", or "it"."""
    for word, index in ORDINALS.items():
        if re.search(rf"\b{word}\b", text) and index < len(listed):
            return listed[index]
    if re.search(r"\blast\b", text) and listed:
        return listed[-1]
    number = re.search(r"\bbook (\d+)\b", text)
    if number:
        return int(number.group(1))
    if re.search(r"\bit\b", text):
        return focus if focus is not None else (listed[0] if len(listed) == 1 else None)
    return None


def tool_call(name, arguments):
    return {"id": STATE.next_call_id(), "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments) if not isinstance(arguments, str) else arguments}}


def script(body):
    """The scripted answer: ("tools", [calls]) or ("text", content)."""
    messages = body["messages"]
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    text = messages[last_user]["content"].lower()
    after = messages[last_user + 1:]
    listed, focus = notes(messages[:last_user])
    results = [m for m in after if m["role"] == "tool"]
    if results:
        calls = {c["id"]: c["function"]["name"] for m in after if m["role"] == "assistant" for c in m.get("tool_calls") or []}
        last = results[-1]
        name = calls.get(last["tool_call_id"], "?")
        data = json.loads(last["content"])
        if "error" in data:
            return "text", "Sorry, that did not work: " + data["error"]
        if name == "search_books":
            if not data["books"]:
                return "text", "The catalog has nothing on that."
            lines = [f"{i + 1}. “{b['title']}” by {b['author']} ({b['year']})" for i, b in enumerate(data["books"])]
            return "text", "From the catalog:\n" + "\n".join(lines)
        if name == "get_book":
            book = data["book"]
            return "text", f"“{book['title']}” by {book['author']}: {book['available_copies']} of {book['copies']} copies are free."
        if name == "my_loans":
            if not data["loans"]:
                return "text", "You have nothing on loan."
            return "text", "Your loans:\n" + "\n".join(f"- “{l['title']}”, due {l['due_date'][:10]}" for l in data["loans"])
        return "text", f"The {name} tool answered."
    book = referred_book(text, listed, focus)
    if re.search(r"\bborrow\b", text):
        return ("tools", [tool_call("propose_borrow", {"book_id": book})]) if book else ("text", "Which book should I borrow?")
    if re.search(r"\breturn\b", text):
        return ("tools", [tool_call("propose_return", {"book_id": book})]) if book else ("text", "Which book?")
    if re.search(r"\brenew\b", text):
        return ("tools", [tool_call("propose_renew", {"book_id": book})]) if book else ("text", "Which loan?")
    if "what have i borrowed" in text or "my loans" in text:
        return "tools", [tool_call("my_loans", {})]
    if ("tell me about" in text or "more about" in text) and book:
        return "tools", [tool_call("get_book", {"book_id": book})]
    author = re.search(r"books by (.+?)[?.!]*$", text)
    if author:
        return "tools", [tool_call("search_books", {"author": author.group(1)})]
    topic = re.search(r"(?:books about|books on|find|search for) (?:books about )?(.+?)[?.!]*$", text)
    if topic:
        return "tools", [tool_call("search_books", {"query": topic.group(1)})]
    return "text", "I can search the catalog and look after your loans."


def completion(body, kind, value):
    message = {"role": "assistant", "content": value if kind == "text" else None}
    if kind == "tools":
        message["tool_calls"] = value
    prompt = len(json.dumps(body["messages"])) // 4
    return {
        "id": f"chatcmpl-{int(time.time() * 1000)}", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", ""), "system_fingerprint": "stacks-test",
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if kind == "tools" else "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": 20, "total_tokens": prompt + 20},
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, payload, content_type="application/json", chunked=False):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if chunked:
                for start in range(0, len(data), 7):
                    piece = data[start:start + 7]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its deadline passed)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self):
        if self.path == "/requests":
            with STATE.lock:
                self.send(200, {"requests": list(STATE.requests)})
        else:
            self.send(404, {"error": {"message": "not found"}})

    def do_POST(self):
        if self.path == "/control":
            fault = self.body()
            fault.setdefault("count", 1)
            with STATE.lock:
                STATE.faults.append(fault)
            self.send(200, {"queued": fault})
            return
        if self.path == "/reset":
            with STATE.lock:
                STATE.requests.clear()
                STATE.faults.clear()
            self.send(200, {"reset": True})
            return
        if self.path != "/v1/chat/completions":
            self.send(404, {"error": {"message": "not found"}})
            return
        body = self.body()
        STATE.record({"path": self.path, "authorization": self.headers.get("Authorization"),
                      "content_type": self.headers.get("Content-Type"), "body": body, "at": time.time()})
        fault = STATE.next_fault() or {"mode": "normal"}
        mode = fault["mode"]
        if mode == "slow":
            time.sleep(float(fault.get("delay", 3)))
        if mode == "status500":
            self.send(500, {"error": {"message": "the model crashed", "type": "server_error"}})
        elif mode == "garbage":
            self.send(200, b"<html>this is not JSON {", content_type="text/html")
        elif mode == "endless":
            self.send(200, completion(body, "tools", [tool_call("my_loans", {})]))
        elif mode == "unknown_tool":
            self.send(200, completion(body, "tools", [tool_call("delete_every_loan", {})]))
        elif mode == "bad_arguments":
            self.send(200, completion(body, "tools", [tool_call("get_book", '{"book_id": "twelve"')]))
        else:
            kind, value = script(body)
            if kind == "tools" and body.get("tool_choice") == "none":
                kind, value = "text", "I could not finish looking that up."
            self.send(200, completion(body, kind, value), chunked=mode == "chunked")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    port = parser.parse_args().port
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
