"""The bench stack's data, made through the API as a client would (members registered with passwords,
keys generated with the password, access tokens from login), plus what only SQL can make quickly:
books with more copies for the loan scenario, and conversations filled to about 50 messages.
Writes the Lua parameters file the wrk scripts read."""
import http.client
import json
import os
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "bench password 1"
READERS = 16
LOGIN_MEMBERS = 32
CONVERSATIONS_PER_READER = 250
CONVERSATION_MESSAGES = 50
LOAN_BOOKS = 40
EXTRA_COPIES = 20
SEARCH_CANDIDATES = ("design", "programming", "software", "computer", "history", "patterns", "systems", "language")


class API:
    """A small HTTP client of the bench stack (one keep-alive connection per call site)."""

    def __init__(self, port):
        self.port = port

    def call(self, method, path, body=None, bearer=None, connection=None):
        """(status, headers, parsed JSON body or None)."""
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return response.status, dict(response.getheaders()), (json.loads(raw) if raw else None)
        finally:
            if own:
                connection.close()

    def expect(self, status, method, path, body=None, bearer=None):
        """The JSON body of a call that must answer `status`."""
        got, _, data = self.call(method, path, body, bearer)
        if got != status:
            raise RuntimeError(f"{method} {path}: expected {status}, got {got}: {json.dumps(data)[:400]}")
        return data


class Fixtures:
    """Members, credentials, loans and conversations of one bench run."""

    def __init__(self, stack, api):
        self.stack = stack
        self.api = api
        self.emails = [f"reader{i:02d}@bench.example.org" for i in range(1, READERS + 1)]
        self.login_emails = [f"login{i:02d}@bench.example.org" for i in range(1, LOGIN_MEMBERS + 1)]
        self.keys = []
        self.tokens = []
        self.words = []
        self.loan_books = []
        self.conversations = []
        self.book_ids = (1, 1)

    def _parallel(self, function, items):
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(function, items))

    def create(self):
        """Everything the scenarios need, made once per bench run."""
        def register(email):
            self.api.expect(201, "POST", "/api/auth/register",
                            {"email": email, "password": PASSWORD, "name": email.split("@")[0].title()})
        self._parallel(register, self.emails + self.login_emails)
        self.keys = self._parallel(lambda email: self.api.expect(
            201, "POST", "/api/auth/generate-key", {"email": email, "password": PASSWORD, "label": "bench"}
        )["data"]["api_key"], self.emails)
        self.login()
        low, high = self.stack.psql("SELECT min(id), max(id) FROM books").split("|")
        self.book_ids = (int(low), int(high))
        self._loan_books()
        self._loan_history()
        self._search_words()
        self._conversations()

    def login(self):
        """Fresh access tokens for the readers (they live STACKS_ACCESS_TTL, 15 minutes by default)."""
        self.tokens = self._parallel(lambda email: self.api.expect(
            200, "POST", "/api/auth/login", {"email": email, "password": PASSWORD})["data"]["access_token"],
            self.emails)

    def _loan_books(self):
        """Books spread over the catalog get EXTRA_COPIES more copies, so 32 connections borrowing at
        random never find one without a free copy."""
        rows = self.stack.psql(f"""
            WITH loaned AS (SELECT id FROM books ORDER BY id LIMIT {LOAN_BOOKS}),
                 added AS (INSERT INTO items (book_id) SELECT id FROM loaned, generate_series(1, {EXTRA_COPIES}))
            SELECT id FROM loaned""", owner=True)
        self.loan_books = [int(r) for r in rows.split()]

    def _loan_history(self):
        """Each reader borrows eight books and returns six, so GET /api/borrows has a page to show."""
        def history(index):
            token = self.tokens[index]
            loans = []
            for n in range(8):
                book = self.loan_books[(index * 8 + n) % len(self.loan_books)]
                loans.append(self.api.expect(201, "POST", f"/api/books/{book}/borrow", {"days": 14}, token)["data"]["id"])
            for loan in loans[:6]:
                self.api.expect(200, "POST", f"/api/borrows/{loan}/return", None, token)
        self._parallel(history, range(len(self.emails)))

    def return_active(self, keep=2):
        """Returns the readers' active loans beyond the `keep` oldest (left by a borrow + return run)."""
        def tidy(index):
            token = self.tokens[index]
            data = self.api.expect(200, "GET", "/api/borrows?status=active&limit=100", None, token)["data"]
            for loan in sorted(data, key=lambda l: l["id"])[keep:]:
                self.api.expect(200, "POST", f"/api/borrows/{loan['id']}/return", None, token)
        self._parallel(tidy, range(len(self.emails)))

    def _search_words(self):
        """Common title words that match more than 20 books, so `?q=…&limit=20` returns 20 rows."""
        key = self.keys[0]
        for word in SEARCH_CANDIDATES:
            data = self.api.expect(200, "GET", f"/api/books?q={word}&limit=20", None, key)["data"]
            if len(data) == 20:
                self.words.append(word)
        if not self.words:
            raise RuntimeError("no search word matches 20 books")

    def _conversations(self):
        """CONVERSATIONS_PER_READER conversations per reader, so that a run's turns spread thin and each
        conversation stays near CONVERSATION_MESSAGES: one made through the API (two real turns, then
        copies of its four messages up to CONVERSATION_MESSAGES), the others copied from it in SQL."""
        def start(index):
            for message in ("Find books about design", "Is the second one available?"):
                self.api.expect(200, "POST", "/api/chat/bench-1", {"message": message}, self.tokens[index])
        self._parallel(start, range(len(self.emails)))
        self.stack.psql(f"""
            INSERT INTO messages (conversation_id, seq, role, content, meta, created_at)
            SELECT c.id, s, m.role, m.content, m.meta, m.created_at
            FROM conversations c CROSS JOIN generate_series(5, {CONVERSATION_MESSAGES}) AS s
            JOIN messages m ON m.conversation_id = c.id AND m.seq = (s - 1) % 4 + 1
            WHERE c.name = 'bench-1';
            WITH first AS (SELECT id, member_id FROM conversations WHERE name = 'bench-1'),
            copies AS (
                INSERT INTO conversations (member_id, name)
                SELECT member_id, 'bench-' || n FROM first, generate_series(2, {CONVERSATIONS_PER_READER}) AS n
                RETURNING id, member_id)
            INSERT INTO messages (conversation_id, seq, role, content, meta, created_at)
            SELECT copies.id, m.seq, m.role, m.content, m.meta, m.created_at
            FROM copies JOIN first USING (member_id) JOIN messages m ON m.conversation_id = first.id""", owner=True)
        self.conversations = [(reader + 1, f"bench-{n}") for n in range(1, CONVERSATIONS_PER_READER + 1)
                              for reader in range(len(self.emails))]

    def conversation_length(self):
        """The mean number of messages of the bench conversations now."""
        return float(self.stack.psql("""
            SELECT round(avg(n), 1) FROM (SELECT count(*) AS n FROM messages m JOIN conversations c
            ON c.id = m.conversation_id WHERE c.name LIKE 'bench-%' GROUP BY c.id) AS counts"""))

    def reset_conversations(self):
        """Trims the bench conversations back to CONVERSATION_MESSAGES (a chat run adds two per turn)."""
        self.stack.psql(f"""
            DELETE FROM messages WHERE seq > {CONVERSATION_MESSAGES}
              AND conversation_id IN (SELECT id FROM conversations WHERE name LIKE 'bench-%')""", owner=True)

    def forget_logins(self):
        """Deletes the sessions the login scenario made, so that later runs see the same tables."""
        quoted = ",".join(f"'{e}'" for e in self.login_emails)
        self.stack.psql(f"""
            DELETE FROM refresh_tokens WHERE member_id IN (SELECT id FROM members WHERE email IN ({quoted}))""",
                        owner=True)

    def write_params(self, path):
        """The Lua table every wrk script loads (STACKS_BENCH_PARAMS)."""
        def lua(value):
            if isinstance(value, (list, tuple)):
                return "{" + ", ".join(lua(v) for v in value) + "}"
            if isinstance(value, dict):
                return "{" + ", ".join(f"{k} = {lua(v)}" for k, v in value.items()) + "}"
            if isinstance(value, str):
                assert value.isascii() and "\\" not in value
                return json.dumps(value)
            return str(value)
        table = {
            "tokens": self.tokens, "keys": self.keys, "emails": self.emails, "password": PASSWORD,
            "login_emails": self.login_emails, "book_id_min": self.book_ids[0], "book_id_max": self.book_ids[1],
            "words": self.words, "loan_books": self.loan_books,
            "conversations": [{"member": m, "name": n} for m, n in self.conversations],
        }
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write("-- Written by deploy/bench for its wrk scripts; holds credentials of the bench stack only.\n")
            f.write("return " + lua(table) + "\n")
