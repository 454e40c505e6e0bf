"""The model backend (STACKS_ASSISTANT=llm) against a local OpenAI-compatible server that this
module starts (model_server.py, the real wire protocol with tool calls). The stack under test runs
the librarian; a turn with the model is the worker binary run once as plain CGI with the llm
settings, on the same database. Covered: a search answered through a tool call whose books later
turns resolve with either backend; proposals that change nothing until "yes" (settled by the
librarian, exactly once) or "no"; the librarian's answer after a timeout, an error, a bad answer or
an endless tool loop; no lock held while the model thinks, and the loser of a race told so with
nothing stored; idempotent replay without asking the model again; authentication before the model."""
import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests

from conftest import API, BASE_URL, admin_sql, new_key, register, run_cgi

MODEL = "stacks-test-model"
TOOLS = {"search_books", "get_book", "my_loans", "my_holds", "my_notices", "propose_borrow", "propose_return",
         "propose_renew", "propose_hold", "propose_cancel_hold"}


class ModelServer:
    """The local model server process and its control endpoints."""

    def __init__(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model_server.py")
        self.process = subprocess.Popen([sys.executable, script, "--port", "0"], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert line.startswith("listening on "), line
        self.url = "http://" + line.split()[-1]

    def requests(self):
        return requests.get(self.url + "/requests", timeout=5).json()["requests"]

    def fault(self, mode, count=1, **extra):
        requests.post(self.url + "/control", json={"mode": mode, "count": count, **extra}, timeout=5).raise_for_status()

    def reset(self):
        requests.post(self.url + "/reset", timeout=5).raise_for_status()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def model():
    server = ModelServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_model(model):
    model.reset()
    yield
    model.reset()


class Member:
    """A new member with an API key, talking to the librarian stack or to the model through CGI."""

    def __init__(self):
        self.email, self.password = register()
        self.key = new_key(self.email, self.password)["api_key"]
        self.api = API(BASE_URL, self.key)

    def say(self, conversation, message):
        """A turn through the stack (the librarian); the reply text."""
        response = self.api.post(f"/api/chat/{conversation}", json={"message": message})
        assert response.status_code == 200, response.text
        return response.json()["data"]["response"]

    def ask(self, model, conversation, message, headers=None, bearer=None, timeout_ms=5000, **settings):
        """A turn with the model (the worker run once as CGI in llm mode)."""
        settings = {"STACKS_ASSISTANT": "llm", "STACKS_LLM_URL": model.url, "STACKS_LLM_MODEL": MODEL,
                    "STACKS_LLM_TIMEOUT_MS": str(timeout_ms), **settings}
        headers = {"Authorization": f"Bearer {bearer or self.key}", **(headers or {})}
        body = json.dumps({"message": message}).encode()
        return run_cgi("POST", f"/api/chat/{conversation}", body, headers=headers, settings=settings)

    def reply(self, result):
        assert result.status == 200, result.payload
        return json.loads(result.payload)["data"]["response"]

    def loans(self):
        return admin_sql(f"SELECT l.book_id FROM loans l JOIN members m ON m.id = l.member_id "
                         f"WHERE m.email = '{self.email}' AND l.returned_at IS NULL ORDER BY l.id")


def conversation():
    return "model-" + uuid.uuid4().hex[:10]


def stored(conversation_name, seq):
    """The stored meta of message `seq` of a conversation."""
    rows = admin_sql(f"SELECT m.meta FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                     f"WHERE c.name = '{conversation_name}' AND m.seq = {seq}")
    return json.loads(rows[0]) if rows else None


def message_count(conversation_name):
    return int(admin_sql(f"SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                         f"WHERE c.name = '{conversation_name}'")[0])


def shelf(copies=(2, 2, 2)):
    """Books of an author found nowhere else: (author words to search, [ids in id order], [titles])."""
    tag = uuid.uuid4().hex[:8]
    author = f"Quillon {tag}"
    ids, titles = [], []
    for n, count in enumerate(copies):
        isbn = "978" + str(uuid.uuid4().int)[:10]
        title = f"Model Shelf {tag} Volume {n + 1}"
        ids.append(int(admin_sql(f"INSERT INTO books (title, author, isbn, year, copies, available_copies) "
                                 f"VALUES ('{title}', '{author}', '{isbn}', 2001, {count}, {count}) RETURNING id")[0]))
        titles.append(title)
    return author.lower(), ids, titles


def fallback_reason(result):
    """The `error` of the worker's log line for the request (why the librarian answered)."""
    lines = [line for line in result.log if line.get("path", "").startswith("/api/chat/")]
    assert len(lines) == 1, result.log
    return lines[0].get("error", "")


# --- answers through tool calls, and references across backends ---

def test_a_search_is_answered_through_a_tool_call_and_later_turns_resolve_its_books_with_either_backend(model):
    member, name = Member(), conversation()
    author, ids, titles = shelf()
    model.fault("chunked", count=2)  # both answers of this turn arrive with Transfer-Encoding: chunked
    result = member.ask(model, name, f"Show me books by {author}", STACKS_LLM_API_KEY="sk-local-test")
    reply = member.reply(result)
    assert reply.splitlines()[0] == "From the catalog:"
    assert [line.split("“")[1].split("”")[0] for line in reply.splitlines()[1:]] == titles
    assert fallback_reason(result) == ""
    first, second = model.requests()
    for sent in (first, second):
        assert sent["path"] == "/v1/chat/completions"
        assert sent["authorization"] == "Bearer sk-local-test"
        assert sent["content_type"] == "application/json"
        body = sent["body"]
        assert body["model"] == MODEL and body["tool_choice"] == "auto" and body["stream"] is False
        assert {tool["function"]["name"] for tool in body["tools"]} == TOOLS
        assert all(tool["type"] == "function" and tool["function"]["parameters"]["type"] == "object" for tool in body["tools"])
        assert body["messages"][0]["role"] == "system" and "propose_" in body["messages"][0]["content"]
        assert body["messages"][1] == {"role": "user", "content": f"Show me books by {author}"}
    call = second["body"]["messages"][2]
    assert call["role"] == "assistant" and call["tool_calls"][0]["function"]["name"] == "search_books"
    assert json.loads(call["tool_calls"][0]["function"]["arguments"]) == {"author": author}
    result_message = second["body"]["messages"][3]
    assert result_message["role"] == "tool" and result_message["tool_call_id"] == call["tool_calls"][0]["id"]
    assert [book["id"] for book in json.loads(result_message["content"])["books"]] == ids
    assert stored(name, 2)["items"] == ids
    assert stored(name, 2)["search"] == {"author": author, "offset": 0}

    # The librarian (the stack) resolves "the second one" against the books the model listed.
    answer = member.say(name, "Is the second one available?")
    assert titles[1] in answer and titles[0] not in answer and titles[2] not in answer
    assert stored(name, 4)["focus"] == ids[1]

    # The model sees the history with notes of those ids, and resolves "the third one" from them.
    model.reset()
    reply = member.reply(member.ask(model, name, "Tell me about the third one"))
    assert reply.startswith(f"“{titles[2]}” by Quillon")
    sent = model.requests()[0]["body"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert sent[2]["content"].endswith(f"[listed book ids, in order: {', '.join(map(str, ids))}]")
    assert sent[3]["content"] == "Is the second one available?"
    assert sent[4]["content"].endswith(f"[about book id {ids[1]}]")
    assert stored(name, 6) == {"intent": "book", "focus": ids[2]}
    assert member.loans() == []


# --- proposals: nothing changes until "yes", and the librarian carries it out once ---

def test_a_proposed_borrow_asks_to_confirm_borrows_nothing_and_yes_borrows_exactly_once(model):
    member, name = Member(), conversation()
    author, ids, titles = shelf()
    member.reply(member.ask(model, name, f"books by {author}"))
    question = member.reply(member.ask(model, name, "Borrow the second one"))
    assert question.startswith(f"Shall I borrow “{titles[1]}”") and "yes" in question
    assert member.loans() == []
    assert stored(name, 4)["pending"] == {"action": "borrow", "book": ids[1]}
    assert stored(name, 4)["intent"] == "confirm"

    asked = len(model.requests())
    done = member.reply(member.ask(model, name, "yes"))
    assert len(model.requests()) == asked, "a yes to a pending action is the librarian's to settle"
    assert titles[1] in done
    assert member.loans() == [str(ids[1])]
    member.ask(model, name, "yes")
    assert member.loans() == [str(ids[1])], "a second yes borrows nothing more"


def test_no_to_a_proposed_borrow_changes_nothing_and_the_librarian_stack_settles_it_too(model):
    member, name = Member(), conversation()
    author, ids, titles = shelf()
    member.reply(member.ask(model, name, f"books by {author}"))
    question = member.reply(member.ask(model, name, "Please borrow the first one"))
    assert question.startswith(f"Shall I borrow “{titles[0]}”")
    member.say(name, "no")
    assert member.loans() == []
    assert stored(name, 6).get("pending") is None


def test_a_proposal_the_library_cannot_meet_is_told_to_the_model_and_nothing_is_pending(model):
    member, other, name = Member(), Member(), conversation()
    author, ids, titles = shelf(copies=(1, 1))
    assert other.api.post(f"/api/books/{ids[1]}/borrow", json={}).status_code == 201
    member.reply(member.ask(model, name, f"books by {author}"))
    reply = member.reply(member.ask(model, name, "borrow the second one"))
    assert reply.startswith("Sorry, that did not work: No copy of") and titles[1] in reply
    assert "pending" not in stored(name, 4)
    sent = model.requests()[-1]["body"]["messages"]
    assert sent[-1]["role"] == "tool" and "propose_hold" in json.loads(sent[-1]["content"])["error"]
    assert member.loans() == []


# --- the librarian answers whenever the model fails ---

def librarian_answer(member, message):
    """What the librarian answers to `message` in a new conversation of this member."""
    return member.say(conversation(), message)


def test_a_model_slower_than_the_timeout_is_answered_by_the_librarian_within_about_the_timeout(model):
    member, name = Member(), conversation()
    message = "Find books about design"
    expected = librarian_answer(member, message)
    model.fault("slow", delay=4)
    started = time.monotonic()
    result = member.ask(model, name, message, timeout_ms=1000)
    elapsed = time.monotonic() - started
    assert member.reply(result) == expected
    assert 1.0 <= elapsed < 2.0, elapsed
    assert fallback_reason(result) == "librarian answered: model: timed out waiting for the response"
    assert message not in result.log[0].get("error", "")
    assert message_count(name) == 2


@pytest.mark.parametrize("mode, reason", [
    ("status500", "librarian answered: model: the server answered 500"),
    ("garbage", "librarian answered: model: the answer is not a chat completion (not JSON)"),
    ("unknown_tool", "librarian answered: model: called the unknown tool delete_every_loan"),
    ("bad_arguments", "librarian answered: model: bad arguments for get_book: the arguments are not a JSON object"),
])
def test_a_failing_model_is_answered_for_by_the_librarian(model, mode, reason):
    member, name = Member(), conversation()
    message = "Find books about design"
    expected = librarian_answer(member, message)
    model.fault(mode)
    result = member.ask(model, name, message)
    assert member.reply(result) == expected
    assert fallback_reason(result) == reason
    assert message_count(name) == 2


def test_an_endless_tool_loop_is_cut_after_the_allowed_rounds_and_the_librarian_answers(model):
    member, name = Member(), conversation()
    message = "What have I borrowed?"
    expected = librarian_answer(member, message)
    model.fault("endless", count=100)
    result = member.ask(model, name, message, STACKS_LLM_MAX_TOOL_ROUNDS="3")
    assert member.reply(result) == expected
    assert fallback_reason(result) == "librarian answered: model: still calling tools after 3 rounds"
    sent = model.requests()
    assert len(sent) == 4
    assert [r["body"]["tool_choice"] for r in sent] == ["auto", "auto", "auto", "none"]
    assert sum(1 for m in sent[-1]["body"]["messages"] if m["role"] == "tool") == 3


def test_a_model_server_that_is_not_there_is_answered_for_at_once(model):
    member, name = Member(), conversation()
    message = "Find books about design"
    expected = librarian_answer(member, message)
    closed = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = member.ask(model, name, message, STACKS_LLM_URL=closed)
    assert time.monotonic() - started < 1.5
    assert member.reply(result) == expected
    assert fallback_reason(result).startswith("librarian answered: model: could not connect: 127.0.0.1: Connection refused")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- no lock while the model thinks; the loser of a race stores nothing ---

def test_a_slow_answer_holds_no_lock_and_loses_to_a_message_posted_meanwhile_storing_nothing(model):
    member, name = Member(), conversation()
    member.say(name, "Hello")
    model.fault("slow", delay=2.5)
    outcome = {}
    key = "race-" + uuid.uuid4().hex

    def slow_turn():
        outcome["result"] = member.ask(model, name, "Find books about design", headers={"Idempotency-Key": key},
                                       timeout_ms=10000)

    thread = threading.Thread(target=slow_turn)
    thread.start()
    deadline = time.time() + 10
    while not model.requests() and time.time() < deadline:
        time.sleep(0.02)
    assert model.requests(), "the model was never asked"
    started = time.monotonic()
    answer = member.say(name, "books by fowler")  # through the stack, while the model thinks
    quick = time.monotonic() - started
    thread.join(30)
    assert quick < 1.0, f"a post to the same conversation waited {quick:.2f} s: something was locked"
    result = outcome["result"]
    assert result.status == 409, result.payload
    body = json.loads(result.payload)
    assert body["type"] == "urn:stacks:problem:conversation-changed"
    assert "nothing was stored" in body["detail"] and "again" in body["detail"]
    messages = member.api.get(f"/api/chat/{name}").json()["data"]
    assert [m["content"] for m in messages if m["role"] == "user"] == ["Hello", "books by fowler"]
    assert messages[-1]["content"] == answer

    # The refusal is not kept for the key: the same request again is answered and stored.
    again = member.ask(model, name, "Find books about design", headers={"Idempotency-Key": key})
    assert member.reply(again).startswith("From the catalog:")
    assert "Idempotent-Replayed" not in again.head
    assert message_count(name) == 6


def test_an_idempotent_retry_of_a_model_answered_post_replays_the_reply_without_asking_again(model):
    member, name = Member(), conversation()
    key = "model-" + uuid.uuid4().hex
    first = member.ask(model, name, "Find books about design", headers={"Idempotency-Key": key})
    assert member.reply(first).startswith("From the catalog:")
    asked = len(model.requests())
    second = member.ask(model, name, "Find books about design", headers={"Idempotency-Key": key})
    assert second.status == 200 and second.payload == first.payload
    assert "Idempotent-Replayed: true" in second.head
    assert len(model.requests()) == asked
    assert message_count(name) == 2
    other = member.ask(model, name, "Find books about testing", headers={"Idempotency-Key": key})
    assert other.status == 422 and b"idempotency-key-reused" in other.payload
    assert len(model.requests()) == asked


# --- the caller is authenticated before the model is asked ---

def test_a_revoked_key_or_a_logged_out_token_is_refused_before_the_model_is_asked(model):
    member, name = Member(), conversation()
    spare = new_key(member.email, member.password)
    assert member.api.request("DELETE", f"/api/auth/keys/{spare['key_id']}").status_code == 204
    refused = member.ask(model, name, "Find books about design", bearer=spare["api_key"])
    assert refused.status == 401
    tokens = requests.post(f"{BASE_URL}/api/auth/login", json={"email": member.email, "password": member.password},
                           timeout=30).json()["data"]
    bearer = API(BASE_URL, tokens["access_token"])
    assert bearer.post("/api/auth/logout", json={}).status_code == 204
    refused = member.ask(model, name, "Find books about design", bearer=tokens["access_token"])
    assert refused.status == 401
    assert model.requests() == []
    assert message_count(name) == 0
