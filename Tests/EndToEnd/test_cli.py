"""The command-line client `stacks` (deploy/test builds it and passes its path as STACKS_TEST_CLI) run as a
user runs it, as a subprocess against the stack: every command with its table and its --json output (the
API's own data), the exit codes (0 done, 1 API error, 2 usage, 3 no server), the credentials file (0600 in a
0700 folder), an expired session refreshed on the fly, the password prompt and the interactive chat through
a pseudo-terminal, 200 borrow/return pairs through a storm of SIGKILLed workers (exactly 200 loans and 200
returns), and `stacks demo` three times in a row."""
import base64
import fcntl
import json
import os
import pty
import random
import re
import select
import socket
import stat
import struct
import subprocess
import termios
import threading
import time
import uuid
from collections import namedtuple

import pytest
import requests

from conftest import (BASE_URL, MODE, ROOT, admin_sql, killer, make_librarian, new_key, register,
                      stack_worker_pids, stored_loans, unique_email, wait_for)
from test_circulation import new_book
from test_loans import add_book
from tokens import claims_of, header_of, sign, stack_keys

CLI = os.environ.get("STACKS_TEST_CLI") or os.path.join(ROOT, ".build", "debug", "stacks")
PAIRS = int(os.environ.get("STACKS_CLI_PAIRS", "200"))
PASSWORD = "correct horse battery"
ONCE = pytest.mark.skipif(MODE != "pooled", reason="the client alone decides it: checked once per run")
ERROR_LINE = re.compile(r"^error: (.+) \((\d{3})\)$")

Result = namedtuple("Result", "code out err")


class User:
    """A person at a shell: a config folder of their own, STACKS_URL pointing at the stack, maybe a key."""

    def __init__(self, folder, api_key=None, **env):
        self.folder = folder
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LANG": "C.UTF-8",
                    "XDG_CONFIG_HOME": str(folder / "config"), "STACKS_URL": BASE_URL}
        if api_key:
            self.env["STACKS_API_KEY"] = api_key
        self.env.update(env)

    @property
    def credentials(self):
        return self.folder / "config" / "stacks" / "credentials.json"

    def run(self, *args, stdin="", env=None, timeout=120):
        assert os.access(CLI, os.X_OK), f"no stacks client at {CLI} (deploy/test builds it)"
        result = subprocess.run([CLI, *map(str, args)], input=stdin, capture_output=True, text=True, timeout=timeout,
                                env={**self.env, **(env or {})})
        return Result(result.returncode, result.stdout, result.stderr)

    def ok(self, *args, **kwargs):
        """Runs the command and checks it succeeded; returns stdout."""
        result = self.run(*args, **kwargs)
        assert result.code == 0, f"stacks {' '.join(map(str, args))} exited {result.code}: {result.err}"
        return result.out

    def json(self, *args, **kwargs):
        return json.loads(self.ok(*args, "--json", **kwargs))

    def fails(self, code, *args, status=None, **kwargs):
        """Runs the command, checks its exit code and (for API errors) the one error line; returns the result."""
        result = self.run(*args, **kwargs)
        assert result.code == code, f"stacks {' '.join(map(str, args))}: exit {result.code}, wanted {code}: {result.err}"
        # Retry notes ("stacks: 502 from the server; trying again …") may come first; then the one error line.
        lines = [line for line in result.err.splitlines() if not line.startswith("stacks: ")]
        assert lines and lines[0].startswith("error: "), result.err
        if status:
            line = ERROR_LINE.match(lines[0])
            assert line and line.group(2) == str(status), result.err
        return result

    def login(self, email, password=PASSWORD):
        return self.ok("login", "--email", email, "--password-stdin", stdin=password + "\n")

    def stored(self):
        with open(self.credentials) as file:
            return json.load(file)["servers"][BASE_URL]

    def store(self, entry):
        with open(self.credentials) as file:
            document = json.load(file)
        document["servers"][BASE_URL] = entry
        with open(self.credentials, "w") as file:
            json.dump(document, file)


@pytest.fixture
def user(tmp_path):
    """A user logged in as a new member."""
    email, _ = register()
    person = User(tmp_path)
    person.login(email)
    person.email = email
    return person


def api_data(key, path, **params):
    response = requests.get(BASE_URL + path, params=params, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def table(text):
    """A table's lines, and its heading's column names."""
    lines = text.rstrip("\n").split("\n")
    return lines, lines[0].split()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- help, usage, exit codes ---

@ONCE
def test_every_command_has_help_and_mistakes_are_usage_errors(tmp_path):
    person = User(tmp_path)
    overview = person.ok("help")
    commands = ["books", "book", "borrow", "borrows", "return", "renew", "hold", "holds", "cancel-hold", "notices",
                "prefs", "chat", "desk checkout", "desk checkin", "login", "logout", "key create", "key list",
                "key revoke", "health", "demo"]
    for command in commands:
        assert f"\n  {command}" in overview, command
        text = person.ok(*command.split(), "--help")
        assert text.startswith(f"usage: stacks {command}") and "--server URL" in text and "--json" in text, text
    assert "desk checkin BARCODE" in person.ok("desk", "--help")
    assert person.run().code == 2
    assert person.fails(2, "lend", "3").err.startswith("error: no command 'lend'")
    person.fails(2, "borrow")
    person.fails(2, "borrow", "x")
    person.fails(2, "borrow", "1", "--days", "31")
    person.fails(2, "borrow", "1", "--weeks", "2")
    person.fails(2, "key", "rotate")
    person.fails(2, "books", "--server", "ftp://example.org")


@ONCE
def test_a_closed_port_is_exit_code_3_after_the_bounded_retries(tmp_path):
    person = User(tmp_path, STACKS_URL=f"http://127.0.0.1:{closed_port()}")
    started = time.time()
    result = person.fails(3, "borrows", env={"STACKS_TRIES": "3"})
    assert "cannot reach the server" in result.err and result.err.count("trying again") == 2, result.err
    assert "trying again" not in person.fails(3, "health").err  # a probe is asked once
    assert time.time() - started < 10
    result = person.fails(3, "books")  # the default: 8 tries
    assert result.err.count("trying again") == 7, result.err
    # --server wins over STACKS_URL
    assert "healthy" in person.ok("--server", BASE_URL, "health")


def test_health_shows_liveness_and_readiness(tmp_path):
    person = User(tmp_path)
    lines = person.ok("health").splitlines()
    assert lines[0].split() == ["server", BASE_URL]
    assert lines[1].startswith("live") and "healthy" in lines[1]
    assert lines[2].startswith("ready") and "ready (" in lines[2]
    data = person.json("health")
    assert data["live"]["status"] == "healthy" and data["ready"]["status"] == "ready"
    assert data["ready"]["migrations"] == api_data(new_key(*register())["api_key"], "/api/health/ready")["migrations"]


def test_a_request_without_credentials_shows_the_servers_401_as_exit_1(tmp_path):
    result = User(tmp_path).fails(1, "borrows", status=401)
    assert "API key required" in result.err and "stacks login" in result.err


# --- credentials ---

def test_login_keeps_the_session_in_a_0600_file_in_a_0700_folder(user):
    mode = stat.S_IMODE(os.stat(user.credentials).st_mode)
    folder = stat.S_IMODE(os.stat(user.credentials.parent).st_mode)
    assert (oct(mode), oct(folder)) == (oct(0o600), oct(0o700))
    entry = user.stored()
    assert entry["email"] == user.email
    assert entry["refresh_token"].startswith("rt_") and entry["access_token"].count(".") == 2
    assert abs(entry["access_expires_at"] - (time.time() + 900)) < 60
    assert [name for name in os.listdir(user.credentials.parent) if not name.startswith("credentials.")] == []
    assert user.json("borrows") == []


def test_a_wrong_password_is_the_servers_401_and_stores_nothing(tmp_path):
    email, _ = register()
    person = User(tmp_path)
    person.fails(1, "login", "--email", email, "--password-stdin", stdin="wrong password\n", status=401)
    assert not person.credentials.exists() or BASE_URL not in json.load(open(person.credentials))["servers"]
    person.fails(2, "login", "--email", email)  # stdin is not a terminal: no prompt


def test_stacks_api_key_wins_over_the_file_and_keys_are_made_listed_and_revoked(user, tmp_path):
    made = user.json("key", "create", "--label", "cli laptop", "--scopes", "read")
    assert made["email"] == user.email and made["scopes"] == ["read"] and made["label"] == "cli laptop"
    listed = user.json("key", "list")
    assert [key["prefix"] for key in listed] == [made["prefix"]]
    lines, heading = table(user.ok("key", "list"))
    assert heading == ["ID", "PREFIX", "LABEL", "SCOPES", "CREATED", "REVOKED"] and "cli laptop" in lines[1]
    reader = User(tmp_path / "reader", api_key=made["api_key"])
    assert reader.json("borrows") == []
    reader.fails(1, "borrow", "1", status=403)
    user.ok("key", "revoke", made["key_id"])
    reader.fails(1, "borrows", status=401)
    user.fails(1, "borrows", env={"STACKS_API_KEY": made["api_key"]}, status=401)  # the environment wins over the file
    user.fails(1, "key", "revoke", made["key_id"] + 1000000, status=404)
    saved = user.json("key", "create", "--save")
    assert user.stored()["api_key"] == saved["api_key"]


def test_a_guest_key_is_made_without_a_password_in_open_key_mode_and_saved(tmp_path):
    person = User(tmp_path)
    email = unique_email("cli-guest")
    key = person.json("key", "create", "--email", email, "--save")
    assert key["api_key"].startswith(key["prefix"] + "_")
    assert person.stored() == {"email": email, "api_key": key["api_key"]}
    assert stat.S_IMODE(os.stat(person.credentials).st_mode) == 0o600
    assert person.json("borrows") == []


def test_logout_ends_the_session_on_the_server_and_forgets_it(user):
    refresh = user.stored()["refresh_token"]
    assert "Logged out of" in user.ok("logout")
    gone = requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": refresh}, timeout=30)
    assert gone.status_code == 401, gone.text
    assert BASE_URL not in json.load(open(user.credentials))["servers"]
    assert "Not logged in" in user.ok("logout")
    user.fails(1, "borrows", status=401)


def forged(access_token, expired_seconds_ago):
    """The access token with its expiry moved into the past (a new jti), signed with the stack's key."""
    claims = dict(claims_of(access_token), jti=base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode())
    claims.update(iat=int(time.time()) - 1000, nbf=int(time.time()) - 1000, exp=int(time.time()) - expired_seconds_ago)
    kid, secret = stack_keys()[0]
    return sign(dict(header_of(access_token), kid=kid), claims, secret)


def test_an_expired_session_is_refreshed_on_the_fly_and_the_request_made_once(user):
    book = add_book(copies=2)
    # 1. The client sees the expiry (exp in the past): it refreshes before the request.
    entry = user.stored()
    expired = forged(entry["access_token"], 120)
    refused = requests.get(f"{BASE_URL}/api/borrows", headers={"Authorization": f"Bearer {expired}"}, timeout=30)
    assert refused.status_code == 401, "the forged token must really be expired"
    user.store(dict(entry, access_token=expired, access_expires_at=time.time() - 120))
    loan = user.json("borrow", book)
    after = user.stored()
    assert after["access_token"] != expired and after["refresh_token"] != entry["refresh_token"]
    assert after["access_expires_at"] > time.time() + 800
    # 2. The client believes the token fresh; the server refuses it as expired: one refresh, the request again.
    user.store(dict(after, access_token=forged(after["access_token"], 120), access_expires_at=time.time() + 600))
    assert user.json("return", loan["id"])["returned"] is True
    assert user.stored()["refresh_token"] != after["refresh_token"]
    assert stored_loans(user.email) == ([loan["id"]], [loan["id"]])
    # 3. A refresh token the server no longer accepts ends the session: exit 1, one clear line.
    user.store(dict(user.stored(), access_expires_at=0, refresh_token="rt_" + "A" * 43))
    result = user.fails(1, "borrows", status=401)
    assert "log in again" in result.err


# --- the catalog ---

def test_books_lists_a_table_to_the_width_and_json_as_the_api_returns_it(user):
    key = new_key(*register())["api_key"]
    lines, heading = table(user.ok("books", "design", "--limit", "5"))
    assert heading == ["ID", "TITLE", "AUTHOR", "YEAR", "AVAILABLE"]
    assert len(lines) == 6 and all(len(line) <= 80 for line in lines)
    assert user.json("books", "design", "--limit", "5") == api_data(key, "/api/books", q="design", limit=5)
    narrow = user.ok("books", "--limit", "10", env={"COLUMNS": "50"})
    assert all(len(line) <= 50 for line in narrow.splitlines()) and "…" in narrow
    sorted_books = user.json("books", "--sort", "-year,title", "--available", "--author", "martin fowler")
    assert sorted_books and sorted_books == api_data(key, "/api/books", sort="-year,title", available="true", author="martin fowler")
    assert user.ok("books", "zzqqxxnothing") == "No books.\n"
    user.fails(1, "books", "--sort", "colour", status=400)


def test_books_all_follows_every_cursor_with_a_progress_line(user):
    result = user.run("books", "--all", "--json")
    assert result.code == 0, result.err
    books = json.loads(result.out)
    total = int(admin_sql("SELECT count(*) FROM books")[0])
    assert len(books) == total and len({book["id"] for book in books}) == total
    progress = [line for line in result.err.splitlines() if line.startswith("books: ")]
    assert len(progress) == (total + 99) // 100 and progress[-1].endswith(", done"), result.err
    one_page = user.run("books")
    assert len(one_page.out.splitlines()) == 21 and "--all" in one_page.err


def test_book_shows_the_book_and_its_copies(user):
    book = add_book(copies=2)
    text = user.ok("book", book)
    assert re.search(rf"^id\s+{book}$", text, re.M) and re.search(r"^available\s+2 of 2$", text, re.M)
    assert re.search(r"^COPY\s+STATUS\s+DUE$", text, re.M) and text.count("available  -") == 2
    data = user.json("book", book)
    assert data["book"]["id"] == book and len(data["items"]) == 2
    user.fails(1, "book", 999999999, status=404)


# --- loans and holds ---

def test_borrow_borrows_renew_and_return_as_tables_sentences_and_json(user):
    book = add_book(copies=1)
    text = user.ok("borrow", book, "--days", "7", "--name", "Ada")
    assert text.startswith("Borrowed “Race ") and "(loan " in text
    loans = user.json("borrows")
    assert len(loans) == 1 and loans[0]["book_id"] == book and loans[0]["borrower_name"] == "Ada"
    lines, heading = table(user.ok("borrows", "--status", "active"))
    assert heading == ["LOAN", "BOOK", "TITLE", "COPY", "DUE", "STATUS", "RENEWALS"]
    assert lines[1].split()[0] == str(loans[0]["id"]) and " active " in lines[1]
    other = User(user.folder / "other", api_key=new_key(*register())["api_key"])
    result = other.fails(1, "borrow", book, status=409)
    assert len(result.err.splitlines()) == 1
    renewed = user.json("renew", loans[0]["id"], "--days", "10")
    assert renewed["renewals"] == 1 and renewed["due_date"] > loans[0]["due_date"]
    assert "Returned “Race" in user.ok("return", loans[0]["id"])
    user.fails(1, "return", loans[0]["id"], status=409)
    assert user.json("borrows", "--status", "returned")[0]["returned"] is True
    assert user.ok("borrows", "--status", "active") == "No loans.\n"


def test_hold_holds_and_cancel_hold(user, admin):
    book = new_book(admin, copies=1)["id"]
    lender = User(user.folder / "lender", api_key=new_key(*register())["api_key"])
    lender.ok("borrow", book)
    text = user.ok("hold", book)
    assert re.match(r"^Hold \d+ on “Circulation .+”: waiting, 1 of 1 in the queue\.$", text), text
    holds = user.json("holds", "--status", "waiting")
    assert [hold["book_id"] for hold in holds] == [book]
    lines, heading = table(user.ok("holds"))
    assert heading == ["HOLD", "BOOK", "TITLE", "STATUS", "POSITION", "PICKUP", "BY"] and "1 of 1" in lines[1]
    user.fails(1, "hold", book, status=409)
    assert user.json("cancel-hold", holds[0]["id"])["status"] == "cancelled"


def test_notices_and_prefs(user, admin):
    assert user.ok("notices") == "No notices.\n"
    prefs = user.json("prefs")
    assert prefs["default_loan_days"] == 14 and prefs["channels"] == ["inbox"]
    changed = user.json("prefs", "default_loan_days=21", "notices.due_soon_days=3")
    assert changed["default_loan_days"] == 21 and changed["notices"]["due_soon_days"] == 3
    text = user.ok("prefs")
    assert re.search(r"^default_loan_days\s+21$", text, re.M) and re.search(r"^notices\.due_soon_days\s+3$", text, re.M)
    user.fails(1, "prefs", "default_loan_days=99", status=400)
    # A copy captured for a hold brings a notice.
    book = new_book(admin, copies=1)["id"]
    lender = User(user.folder / "lender", api_key=new_key(*register())["api_key"])
    loan = lender.json("borrow", book)
    user.ok("hold", book)
    lender.ok("return", loan["id"])
    notices = wait_for(lambda: user.json("notices", "--unread"), 30, "a hold_available notice")
    assert notices[0]["kind"] == "hold_available" and notices[0]["book_id"] == book
    lines, heading = table(user.ok("notices"))
    assert heading == ["ID", "KIND", "MESSAGE", "SENT", "READ"] and "hold_available" in lines[1]


def test_desk_checkout_and_checkin_for_librarians(tmp_path, admin):
    email, password = register(unique_email("cli-librarian"))
    make_librarian(email)
    librarian = User(tmp_path)
    librarian.login(email, password)
    patron_email, patron_password = register()
    book = new_book(admin, copies=1)["id"]
    barcode = api_data(new_key(patron_email, patron_password)["api_key"], f"/api/books/{book}/items")[0]["barcode"]
    text = librarian.ok("desk", "checkout", barcode, patron_email, "--days", "5")
    assert text.startswith(f"Lent copy {barcode} of “Circulation") and patron_email in text
    librarian.fails(1, "desk", "checkout", barcode, patron_email, status=409)
    result = librarian.json("desk", "checkin", barcode)
    assert result["item"]["status"] == "available" and result["loan"]["borrower_email"] == patron_email
    member = User(tmp_path / "member", api_key=new_key(patron_email, patron_password)["api_key"])
    member.fails(1, "desk", "checkin", barcode, status=403)


# --- chat ---

def test_chat_takes_one_turn_with_a_message(user):
    conversation = "cli-" + uuid.uuid4().hex[:8]
    text = user.ok("chat", conversation, "books", "by", "robert", "martin")
    assert text.startswith("librarian> ") and "Clean Code" in text
    reply = user.json("chat", conversation, "is the first one available?")
    assert reply["conversation_id"] == conversation and reply["message_id"] == 4
    user.fails(2, "chat", "not a valid id!", "hello")


class Terminal:
    """A command run on a pseudo-terminal, read and typed at like a person would."""

    def __init__(self, args, env, columns=100):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
        self.process = subprocess.Popen([CLI, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.output = b""

    def read_until(self, text, timeout=30):
        deadline = time.time() + timeout
        while text.encode() not in self.output:
            assert time.time() < deadline, f"no {text!r} in {self.output.decode(errors='replace')!r}"
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the command exited and the terminal closed
                    assert text.encode() in self.output, self.output
        return self.output.decode(errors="replace")

    def type(self, text):
        os.write(self.master, text.encode())

    def count(self, text):
        return self.output.decode(errors="replace").count(text)

    def read_until_count(self, text, times, timeout=30):
        deadline = time.time() + timeout
        while self.count(text) < times:
            self.read_until(text, timeout=max(deadline - time.time(), 0.1))
            if self.count(text) < times:
                self.read_some(deadline)
        return self.output.decode(errors="replace")

    def read_some(self, deadline):
        assert time.time() < deadline, self.output.decode(errors="replace")
        ready, _, _ = select.select([self.master], [], [], 0.2)
        if ready:
            self.output += os.read(self.master, 65536)

    def finish(self, timeout=30):
        """Reads everything until the command exits; returns its exit code and the whole screen."""
        deadline = time.time() + timeout
        while True:
            assert time.time() < deadline, self.output.decode(errors="replace")
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the command exited and the terminal closed
                    break
                if not chunk:
                    break
                self.output += chunk
            elif self.process.poll() is not None:
                break
        code = self.process.wait(timeout=max(deadline - time.time(), 1))
        self.echoes = bool(termios.tcgetattr(self.master)[3] & termios.ECHO)  # the terminal as the command left it
        os.close(self.master)
        return code, self.output.decode(errors="replace")


def test_interactive_chat_through_a_pseudo_terminal(user):
    conversation = "cli-tty-" + uuid.uuid4().hex[:8]
    terminal = Terminal(["chat", conversation], user.env)
    terminal.read_until("you> ")
    terminal.type("books by robert martin\r")
    terminal.read_until_count("you> ", 2)
    terminal.type("is the second one available?\r")
    terminal.read_until_count("you> ", 3)
    terminal.type("/quit\r")
    code, screen = terminal.finish()
    assert code == 0, screen
    assert f"Conversation {conversation}" in screen and screen.count("librarian> ") == 2, screen
    assert "Clean Code" in screen
    messages = user.json("chat", conversation, "how many messages so far?")
    assert messages["message_id"] == 6
    # End of input (Ctrl-D) ends it too.
    terminal = Terminal(["chat", conversation], user.env)
    terminal.read_until("you> ")
    terminal.type("\x04")
    code, screen = terminal.finish()
    assert code == 0, screen


def test_the_password_prompt_does_not_echo_and_tables_fit_the_terminal(tmp_path):
    email, _ = register()
    person = User(tmp_path)
    terminal = Terminal(["login", "--email", email], person.env)
    terminal.read_until("password: ")
    terminal.type(PASSWORD + "\r")
    code, screen = terminal.finish()
    assert code == 0 and "Logged in" in screen, screen
    assert PASSWORD not in screen, "the password was echoed"
    assert terminal.echoes
    # Ctrl-C at the prompt cancels, and leaves the terminal echoing.
    terminal = Terminal(["login", "--email", email], person.env)
    terminal.read_until("password: ")
    terminal.type("half a pass\x03")
    code, screen = terminal.finish()
    assert code == 2 and "half a pass" not in screen and terminal.echoes, screen
    terminal = Terminal(["books", "--limit", "8"], person.env, columns=60)
    code, screen = terminal.finish()
    lines = [line for line in screen.split("\r\n") if line]
    assert code == 0 and lines[0].split() == ["ID", "TITLE", "AUTHOR", "YEAR", "AVAILABLE"], screen
    assert all(len(line) <= 60 for line in lines) and "…" in screen, screen


# --- retry safety ---

def test_200_borrow_return_pairs_through_a_kill_storm_make_exactly_200_loans_and_200_returns(tmp_path):
    email, password = register(unique_email("cli-storm"))
    # A kill every 100 ms takes about half the requests of the cgi mode (a process per request, no other pool
    # to retry on): the storm allows 16 tries a command (the retry budget of 60 s still bounds them) where a
    # person's default is 8.
    person = User(tmp_path, STACKS_TRIES="16")
    person.login(email, password)
    books = [add_book(copies=3) for _ in range(3)]
    borrowed, returned, retries, replays = [], [], 0, 0
    stop, kills = threading.Event(), []
    thread = threading.Thread(target=killer, args=(stop, kills, stack_worker_pids))
    thread.start()
    started = time.time()
    try:
        for _ in range(PAIRS):
            result = person.run("borrow", random.choice(books), "--json")
            assert result.code == 0, result.err
            retries += result.err.count("trying again")
            replays += result.err.count("replayed its answer")
            loan = json.loads(result.out)["id"]
            borrowed.append(loan)
            result = person.run("return", loan, "--json")
            assert result.code == 0, result.err
            retries += result.err.count("trying again")
            replays += result.err.count("replayed its answer")
            assert json.loads(result.out)["returned"] is True
            returned.append(loan)
    finally:
        stop.set()
        thread.join()
    stored, stored_returned = stored_loans(email)
    summary = (f"cli kill storm ({MODE}): {PAIRS} stacks borrow/return pairs in {time.time() - started:.0f} s, "
               f"{len(kills)} kills, {len(stored)} loans and {len(stored_returned)} returns stored, {retries} retries, "
               f"{replays} replayed answers")
    with open(os.path.join(os.environ["STACKS_HOME"], "log", "kill-storm.txt"), "a") as report:
        report.write(summary + "\n")
    print(summary)
    assert len(kills) >= 10
    assert len(stored) == PAIRS and stored == sorted(borrowed), "a loan was lost or made twice"
    assert len(stored_returned) == PAIRS and stored_returned == sorted(returned)
    for book in books:
        assert admin_sql(f"SELECT copies || ' ' || available_copies FROM books WHERE id = {book}") == ["3 3"]


# --- the demo ---

def test_demo_runs_three_times_in_a_row_every_step_green(tmp_path):
    person = User(tmp_path)
    for _ in range(3):
        out = person.ok("demo")
        steps = [line for line in out.splitlines() if line.startswith("OK")]
        assert len(steps) == 7 and "FAIL" not in out, out
        assert "401 from the server" in out and "second client" in out
        assert out.splitlines()[-1].startswith("Demo complete: 7 steps OK")
    # On a terminal each OK is green.
    terminal = Terminal(["demo"], person.env)
    code, screen = terminal.finish(timeout=60)
    assert code == 0 and screen.count("\x1b[32mOK\x1b[0m") == 7, screen
