"""The librarian's evaluation set (chat_eval/*.json, described in chat_eval/README.md) run against
the stack: every conversation with a fresh member, its setup done through the REST API and admin
SQL, each turn's reply and the member's loans and holds checked, then a report (per conversation,
per theme and overall, every failing turn with its message, reply and reasons) printed and written
to $STACKS_HOME/chat-eval-<mode>.txt (and .json). It asserts that at least 90 % of the turns are
handled and that every turn expecting the loans unchanged left them unchanged.

test_the_evaluation_set_is_well_formed needs no stack: a typo in the data fails it loudly."""
import datetime
import json
import os
import re
import uuid

from conftest import API, BASE_URL, MODE, ROOT, admin_sql, new_key, register, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL_DIR = os.path.join(HERE, "chat_eval")
SETS_FILE = "sets.json"
TARGET_SHARE = 0.90
MIN_TURNS = 150
MAX_TURNS_PER_CONVERSATION = 20  # deploy/test runs with STACKS_CHAT_MAX_MESSAGES=40: 20 posts

CONVERSATION_KEYS = {"id", "description", "setup", "turns"}
SETUP_KEYS = {"borrowed", "unavailable", "holds", "waiting", "due_in_hours", "renewals", "preferences", "notices"}
REPLY_CHECKS = {"reply_has", "reply_has_any", "reply_lacks", "reply_matches", "reply_not_matches", "reply_count",
                "list_has", "first_item_has", "items"}
TURN_KEYS = {"say", "note", "bind", "loans", "holds"} | REPLY_CHECKS
LOAN_ACTIONS = {"borrowed", "returned", "renewed"}
HOLD_ACTIONS = {"placed", "cancelled"}
PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESERVED = {"item", "due", "copies", "position", "today"}
ATTRIBUTES = {"title", "author", "surname", "year"}


# ---------------------------------------------------------------------------------------------
# The data


def load_sets():
    with open(os.path.join(EVAL_DIR, SETS_FILE), encoding="utf-8") as f:
        return json.load(f)


def load_conversations():
    """Every conversation of every data file, in file order, each with its `theme` (the file's name)."""
    conversations = []
    for name in sorted(os.listdir(EVAL_DIR)):
        if not name.endswith(".json") or name == SETS_FILE:
            continue
        with open(os.path.join(EVAL_DIR, name), encoding="utf-8") as f:
            data = json.load(f)
        assert set(data) <= {"about", "conversations"}, f"{name}: unknown top-level keys {set(data) - {'about', 'conversations'}}"
        for conversation in data["conversations"]:
            conversations.append(dict(conversation, theme=name[:-5]))
    return conversations


def seed_books():
    """The demo catalog as sql/seed.sql lists it: [{title, author, isbn, year, copies}]."""
    row = re.compile(r"^\s*\('((?:[^']|'')*)', '((?:[^']|'')*)', '([0-9X]+)', (-?\d+), (\d+), \d+\),?\s*$")
    books = []
    with open(os.path.join(ROOT, "sql", "seed.sql"), encoding="utf-8") as f:
        for line in f:
            match = row.match(line)
            if match:
                title, author, isbn, year, copies = match.groups()
                books.append({"title": title.replace("''", "'"), "author": author.replace("''", "'"), "isbn": isbn,
                              "year": int(year), "copies": int(copies)})
    return books


def norm(text):
    """For comparing replies: typographic quotes, apostrophes and dashes made plain, spaces collapsed, lower case."""
    for fancy, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"), ("\u00a0", " ")):
        text = text.replace(fancy, plain)
    return " ".join(text.split()).lower()


def titled(books, prefix):
    """The books whose title starts with `prefix` (case-insensitive), the one that equals it alone if any."""
    wanted = norm(prefix)
    exact = [b for b in books if norm(b["title"]) == wanted]
    return exact or [b for b in books if norm(b["title"]).startswith(wanted)]


def expand(value, sets):
    """A check's value with "@name" references to sets.json replaced."""
    if isinstance(value, str) and value.startswith("@"):
        return sets[value[1:]]
    if isinstance(value, list):
        out = []
        for item in value:
            resolved = expand(item, sets)
            out += resolved if isinstance(resolved, list) else [resolved]
        return out
    return value


def as_list(value):
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------------
# Well-formedness (no stack needed)


def problems_of(conversations, sets, books):
    """Everything wrong with the data, as readable lines."""
    problems = []
    ids = set()
    turns_total = 0

    def title_problem(where, title, what):
        if PLACEHOLDER.search(title):
            return
        found = titled(books, title)
        if len(found) != 1:
            problems.append(f"{where}: {what} '{title}' names {len(found)} seed titles (it must name exactly one, "
                            f"as the whole title or its start)")

    def check_reference(where, reference, bound, stage):
        if reference.startswith("item:"):
            number = reference[5:].split(".")[0]
            if not number.isdigit() or int(number) < 1:
                problems.append(f"{where}: bad list reference {{{{{reference}}}}}")
        elif reference in bound:
            pass
        elif stage == "attribute":
            problems.append(f"{where}: {{{{{reference}}}}} uses a name not bound by an earlier turn")
        else:
            title_problem(where, reference, "placeholder title")

    def check_placeholders(where, text, bound):
        for expression in PLACEHOLDER.findall(text):
            kind, _, argument = expression.partition(":")
            if kind in ("due", "copies", "position"):
                if not argument:
                    problems.append(f"{where}: {{{{{expression}}}}} needs a book")
                else:
                    check_reference(where, argument, bound, "book")
            elif re.fullmatch(r"today([+-]\d+)?", expression):
                pass
            elif kind == "item":
                number, _, attribute = argument.partition(".")
                if not number.isdigit() or (attribute and attribute not in ATTRIBUTES):
                    problems.append(f"{where}: bad placeholder {{{{{expression}}}}}")
            else:
                name, _, attribute = expression.partition(".")
                if name not in bound or (attribute and attribute not in ATTRIBUTES):
                    problems.append(f"{where}: unknown placeholder {{{{{expression}}}}} (bind a name in an earlier turn)")

    def strings_of(value):
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [s for item in value for s in strings_of(item)]
        if isinstance(value, dict):
            return [s for item in value.values() for s in strings_of(item)]
        return []

    for conversation in conversations:
        cid = conversation.get("id")
        where = f"{conversation['theme']}/{cid}"
        unknown = set(conversation) - CONVERSATION_KEYS - {"theme"}
        if unknown:
            problems.append(f"{where}: unknown conversation keys {sorted(unknown)}")
        if not isinstance(cid, str) or not re.fullmatch(r"[A-Za-z0-9-]{1,40}", cid):
            problems.append(f"{where}: the id must be 1-40 letters, digits or hyphens")
        if cid in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(cid)
        if not isinstance(conversation.get("description"), str) or not conversation["description"].strip():
            problems.append(f"{where}: no description")
        setup = conversation.get("setup", {})
        if not isinstance(setup, dict) or set(setup) - SETUP_KEYS:
            problems.append(f"{where}: setup keys must be among {sorted(SETUP_KEYS)}")
            setup = {}
        for key in ("borrowed", "unavailable", "holds", "waiting", "notices"):
            for title in setup.get(key, []):
                title_problem(where, title, f"setup {key}")
        for key in ("due_in_hours", "renewals"):
            for title, value in setup.get(key, {}).items():
                title_problem(where, title, f"setup {key}")
                if not isinstance(value, (int, float)):
                    problems.append(f"{where}: setup {key} for '{title}' must be a number")
                if norm(title) not in {norm(t) for t in setup.get("borrowed", [])}:
                    problems.append(f"{where}: setup {key} names '{title}', which the setup does not borrow")
        if "preferences" in setup and not isinstance(setup["preferences"], dict):
            problems.append(f"{where}: setup preferences must be a JSON merge patch object")
        turns = conversation.get("turns")
        if not isinstance(turns, list) or not turns:
            problems.append(f"{where}: no turns")
            continue
        if len(turns) > MAX_TURNS_PER_CONVERSATION:
            problems.append(f"{where}: {len(turns)} turns; at most {MAX_TURNS_PER_CONVERSATION} fit the test stack's "
                            f"STACKS_CHAT_MAX_MESSAGES=40")
        bound = set()
        listed = False  # whether an earlier turn expects a list, which {{item:N}} can name
        for number, turn in enumerate(turns, 1):
            at = f"{where} turn {number}"
            turns_total += 1
            if not isinstance(turn, dict):
                problems.append(f"{at}: not an object")
                continue
            unknown = set(turn) - TURN_KEYS
            if unknown:
                problems.append(f"{at}: unknown keys {sorted(unknown)}")
            say = turn.get("say")
            if not isinstance(say, str) or not say.strip() or len(say) > 4000:
                problems.append(f"{at}: 'say' must be a message of 1-4000 characters")
            if not set(turn) & REPLY_CHECKS:
                problems.append(f"{at}: no reply check (one of {sorted(REPLY_CHECKS)})")
            for name, reference in turn.get("bind", {}).items():
                if not NAME.match(name) or name in RESERVED:
                    problems.append(f"{at}: bad bound name '{name}'")
                if not re.fullmatch(r"item:\d+", str(reference)):
                    problems.append(f"{at}: bind '{name}' must be 'item:N'")
            bound |= set(turn.get("bind", {}))
            for key in REPLY_CHECKS & set(turn):
                value = turn[key]
                try:
                    value = expand(value, sets) if key != "reply_count" else dict(value, of=expand(value.get("of"), sets))
                except (KeyError, AttributeError, TypeError):
                    problems.append(f"{at}: {key} refers to a set not in {SETS_FILE} or is malformed")
                    continue
                if key in ("reply_has", "reply_has_any", "reply_lacks", "list_has"):
                    if not isinstance(value, list) or not value or not all(isinstance(s, str) and s for s in value):
                        problems.append(f"{at}: {key} must be a non-empty list of strings (or a @set)")
                elif key in ("reply_matches", "reply_not_matches"):
                    for pattern in as_list(value):
                        try:
                            re.compile(PLACEHOLDER.sub("x", pattern))
                        except (re.error, TypeError) as error:
                            problems.append(f"{at}: {key} {pattern!r} is not a regular expression: {error}")
                elif key == "first_item_has":
                    if not isinstance(value, str) or not value:
                        problems.append(f"{at}: first_item_has must be a string")
                elif key == "reply_count":
                    if not isinstance(value.get("of"), list) or not value["of"] or set(value) - {"of", "min", "max"} \
                            or not ({"min", "max"} & set(value)):
                        problems.append(f"{at}: reply_count must be {{of: [...]|@set, min?, max?}} with min or max")
                elif key == "items":
                    if not (isinstance(value, int) or (isinstance(value, dict) and value and set(value) <= {"min", "max"})):
                        problems.append(f"{at}: items must be a number or {{min?, max?}}")
                for text in strings_of(value):
                    check_placeholders(at, text, bound)
            for key, actions in (("loans", LOAN_ACTIONS), ("holds", HOLD_ACTIONS)):
                if key not in turn:
                    continue
                value = turn[key]
                if value in ("unchanged", "any"):
                    continue
                if not isinstance(value, dict) or len(set(value) & actions) != 1 or set(value) - actions - {"days"}:
                    problems.append(f"{at}: {key} must be 'unchanged', 'any' or {{one of {sorted(actions)}: title"
                                    f"{', days?' if key == 'loans' else ''}}}")
                    continue
                if "days" in value and (key != "loans" or not isinstance(value["days"], int) or "returned" in value):
                    problems.append(f"{at}: days only go with a borrowed or renewed loan")
                (action,) = set(value) & actions
                title = value[action]
                if not isinstance(title, str):
                    problems.append(f"{at}: {key} {action} must be a title")
                    continue
                check_placeholders(at, title, bound)
                title_problem(at, title, f"{key} {action}")
            refers = [e for text in strings_of({k: v for k, v in turn.items() if k != "say"})
                      for e in PLACEHOLDER.findall(text) + [text] if re.match(r"(\w+:)?item:", e)]
            if refers and not listed:
                problems.append(f"{at}: refers to a list item, but no earlier turn expects a list (list_has, "
                                f"first_item_has, reply_count min >= 1 or items >= 1)")
            listed = listed or expects_list(turn)
            for text in strings_of(turn.get("say", "")):
                if PLACEHOLDER.search(text):
                    problems.append(f"{at}: placeholders are not allowed in what the patron says")
    return problems, turns_total


def test_the_evaluation_set_is_well_formed():
    sets = load_sets()
    conversations = load_conversations()
    books = seed_books()
    assert len(books) >= 500, "sql/seed.sql could not be read"
    problems, turns = problems_of(conversations, sets, books)
    assert not problems, "chat_eval data problems:\n" + "\n".join(problems)
    assert turns >= MIN_TURNS, f"only {turns} turns; the set needs at least {MIN_TURNS}"
    assert len(conversations) >= 18, f"only {len(conversations)} conversations"
    unchanged = sum(1 for c in conversations for t in c["turns"] if t.get("loans", "unchanged") == "unchanged")
    assert unchanged >= 50, f"only {unchanged} must-not-change-a-loan turns"


# ---------------------------------------------------------------------------------------------
# Running it against the stack


class Catalog:
    """The seed books with their ids in the stack under test."""

    def __init__(self):
        self.books = seed_books()
        isbns = ",".join(f"'{b['isbn']}'" for b in self.books)
        ids = json.loads(admin_sql(f"SELECT json_object_agg(isbn, id) FROM books WHERE isbn IN ({isbns})")[0])
        for book in self.books:
            book["id"] = ids.get(book["isbn"])
        # Longest first, so that a line naming "Pattern Recognition and Machine Learning" is that book,
        # not "Machine Learning"; whole words only, so that "Dilemma" is not "Emma".
        self.by_length = [(re.compile(r"(?<!\w)" + re.escape(norm(b["title"])) + r"(?!\w)"), b)
                          for b in sorted(self.books, key=lambda b: -len(b["title"]))]

    def book(self, title):
        found = titled(self.books, title)
        if len(found) != 1:
            raise LookupError(f"'{title}' names {len(found)} catalog titles")
        if found[0]["id"] is None:
            raise LookupError(f"'{found[0]['title']}' is not in the stack's catalog")
        return found[0]

    def identify(self, line):
        """The seed book a reply line names (the longest title it contains), or None."""
        text = norm(line)
        for pattern, book in self.by_length:
            if pattern.search(text):
                return book
        return None


def numbered_lines(reply):
    return [m.group(1) for m in re.finditer(r"(?m)^\s*\d+[.)]\s+(.*\S)", reply)]


class Member:
    def __init__(self, tag):
        email, password = register(email=f"eval-{tag}-{uuid.uuid4().hex[:10]}@example.org")
        self.email = email
        self.api = API(BASE_URL, new_key(email, password)["api_key"])

    def ok(self, method, path, expected=(200,), **kwargs):
        response = self.api.request(method, path, **kwargs)
        if response.status_code not in expected:
            raise RuntimeError(f"{method} {path} {kwargs.get('json', '')}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def loans(self):
        """The member's loans not yet returned (overdue ones too), by id."""
        records = self.ok("GET", "/api/borrows?limit=100")["data"]
        return {r["id"]: r for r in records if not r["returned"]}

    def holds(self):
        """The member's open holds (waiting or awaiting pickup), by id."""
        holds = self.ok("GET", "/api/holds?limit=100")["data"]
        return {h["id"]: h for h in holds if h["status"] in ("waiting", "awaiting_pickup")}

    def borrow(self, book, days=None):
        return self.ok("POST", f"/api/books/{book['id']}/borrow", expected=(201,), json={"days": days} if days else {})["data"]

    def hold(self, book):
        return self.ok("POST", f"/api/books/{book['id']}/holds", expected=(201,))["data"]


def expects_list(turn):
    """Whether the turn expects a numbered list of books: its list is the one later turns' {{item:N}} name."""
    count, items = turn.get("reply_count", {}), turn.get("items", 0)
    return bool("list_has" in turn or "first_item_has" in turn or count.get("min", 0) >= 1
                or (isinstance(items, int) and items >= 1) or (isinstance(items, dict) and items.get("min", 0) >= 1))


def title_starts(record_title, title):
    return norm(record_title).startswith(norm(title))


class Run:
    """One conversation against the stack."""

    def __init__(self, conversation, catalog, sets):
        self.conversation = conversation
        self.catalog = catalog
        self.sets = sets
        self.helpers = []
        self.member = None
        self.name = f"eval-{conversation['id']}-{uuid.uuid4().hex[:8]}"[:64]
        self.last_list = []  # the books listed by the latest turn expecting a list, in order (None: not a seed title)
        self.bound = {}

    # ---- setup and teardown

    def helper(self):
        member = Member("helper")
        self.helpers.append(member)
        return member

    def set_up(self):
        setup = self.conversation.get("setup", {})
        self.member = Member(self.conversation["id"][:20])
        if "preferences" in setup:
            self.member.ok("PATCH", "/api/preferences", json=setup["preferences"])
        for title in setup.get("unavailable", []):
            self.make_unavailable(self.catalog.book(title))
        for title in setup.get("borrowed", []):
            self.member.borrow(self.catalog.book(title))
        loans = self.member.loans()

        def loan_of(title):
            found = [l for l in loans.values() if title_starts(l["book_title"], title)]
            if len(found) != 1:
                raise RuntimeError(f"setup: {len(found)} loans of '{title}'")
            return found[0]

        for title, hours in setup.get("due_in_hours", {}).items():
            loan = loan_of(title)
            admin_sql(f"UPDATE loans SET borrowed_at = least(borrowed_at, now() + interval '{float(hours)} hours' - interval '1 day'), "
                      f"due_at = now() + interval '{float(hours)} hours' WHERE id = {int(loan['id'])}")
        for title, count in setup.get("renewals", {}).items():
            admin_sql(f"UPDATE loans SET renewals = {int(count)} WHERE id = {int(loan_of(title)['id'])}")
        for title in setup.get("holds", []):
            self.member.hold(self.catalog.book(title))
        for title in setup.get("waiting", []):
            hold = self.helper().hold(self.catalog.book(title))
            if hold["status"] != "waiting":
                raise RuntimeError(f"setup: the helper's hold on '{title}' is {hold['status']}, not waiting (a copy is free)")
        for title in setup.get("notices", []):
            loan = loan_of(title)
            wait_for(lambda: [n for n in self.member.ok("GET", "/api/notices?unread=true&limit=100")["data"]
                              if n.get("loan_id") == loan["id"]], 30, f"a notice about '{title}'")

    def make_unavailable(self, book):
        """Other members borrow every free copy (each at most 5, the loan limit)."""
        blocker, lent = None, 0
        for _ in range(50):
            state = self.member.ok("GET", f"/api/books/{book['id']}")["data"]
            if state["available_copies"] == 0:
                return
            if blocker is None or lent == 5:
                blocker, lent = self.helper(), 0
            blocker.borrow(book)
            lent += 1
        raise RuntimeError(f"setup: could not make '{book['title']}' unavailable")

    def tear_down(self):
        """Holds cancelled first (so no returned copy is captured), then every loan returned."""
        people = ([self.member] if self.member else []) + self.helpers
        errors = []
        for person in people:
            try:
                for hold in person.holds().values():
                    person.ok("DELETE", f"/api/holds/{hold['id']}", expected=(200, 204, 409))
            except Exception as error:  # keep cleaning up
                errors.append(str(error))
        for person in people:
            try:
                for loan in person.loans().values():
                    person.ok("POST", f"/api/borrows/{loan['id']}/return", expected=(200, 409))
            except Exception as error:
                errors.append(str(error))
        return errors

    # ---- placeholders

    def book_of(self, reference, loans_after=None):
        """The book a reference names: item:N of the latest list, a bound name, or a title."""
        if reference.startswith("item:"):
            index = int(reference[5:])
            if index > len(self.last_list):
                raise LookupError(f"the latest list before this turn has {len(self.last_list)} books, not {index}")
            book = self.last_list[index - 1]
            if book is None:
                raise LookupError(f"line {index} of the latest list names no catalog title")
            return book
        if reference in self.bound:
            if self.bound[reference] is None:
                raise LookupError(f"'{reference}' is unbound: the turn that bound it had no such list item")
            return self.bound[reference]
        return self.catalog.book(reference)

    def value(self, expression, after):
        kind, _, argument = expression.partition(":")
        if expression.startswith("today"):
            offset = int(expression[5:] or 0)
            return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()
        if kind == "due":
            book = self.book_of(argument)
            found = [l for l in after["loans"].values() if l["book_id"] == book["id"]]
            if len(found) != 1:
                raise LookupError(f"{len(found)} loans of '{book['title']}' after the turn")
            return found[0]["due_date"][:10]
        if kind == "copies":
            book = self.book_of(argument)
            state = self.member.ok("GET", f"/api/books/{book['id']}")["data"]
            return f"{state['available_copies']} of {state['copies']}"
        if kind == "position":
            book = self.book_of(argument)
            found = [h for h in after["holds"].values() if h["book_id"] == book["id"]]
            if len(found) != 1:
                raise LookupError(f"{len(found)} holds on '{book['title']}' after the turn")
            return str(found[0]["position"])
        reference, _, attribute = expression.rpartition(".") if expression.rsplit(".", 1)[-1] in ATTRIBUTES \
            else (expression, "", "title")
        book = self.book_of(reference)
        if attribute == "surname":
            return book["author"].split(",")[0].split()[-1]
        return str(book[attribute])

    def resolve(self, text, after, regex=False):
        def one(match):
            value = self.value(match.group(1), after)
            return re.escape(value) if regex else value

        return PLACEHOLDER.sub(one, text)

    # ---- checks

    def check_reply(self, turn, reply, after, reasons):
        text = norm(reply)

        def contains(needle):
            n = norm(needle)
            left = r"\b" if re.match(r"\w", n) else ""
            right = r"\b" if re.search(r"\w$", n) else ""
            return re.search(left + re.escape(n) + right, text) is not None

        def strings(key):
            return [self.resolve(s, after) for s in expand(turn[key], self.sets)]

        if "reply_has" in turn:
            missing = [s for s in strings("reply_has") if not contains(s)]
            if missing:
                reasons.append(f"reply lacks {missing}")
        if "reply_has_any" in turn:
            wanted = strings("reply_has_any")
            if not any(contains(s) for s in wanted):
                reasons.append(f"reply has none of {wanted}")
        if "reply_lacks" in turn:
            present = [s for s in strings("reply_lacks") if contains(s)]
            if present:
                reasons.append(f"reply has {present}")
        plain = "\n".join(norm(line) for line in reply.splitlines())
        for key, wanted in (("reply_matches", True), ("reply_not_matches", False)):
            for pattern in as_list(expand(turn.get(key, []), self.sets)):
                resolved = self.resolve(pattern, after, regex=True)
                if (re.search(resolved, plain, re.I | re.M) is not None) != wanted:
                    reasons.append(f"reply {'does not match' if wanted else 'matches'} /{resolved}/")
        if "reply_count" in turn:
            spec = turn["reply_count"]
            of = [self.resolve(s, after) for s in expand(spec["of"], self.sets)]
            count = sum(1 for s in of if contains(s))
            if count < spec.get("min", 0) or count > spec.get("max", len(of)):
                reasons.append(f"reply names {count} of {of}; wanted {spec.get('min', 0)}..{spec.get('max', len(of))}")
        lines = numbered_lines(reply)
        listed = [self.catalog.identify(line) for line in lines]
        if "items" in turn:
            spec = turn["items"]
            low, high = (spec, spec) if isinstance(spec, int) else (spec.get("min", 0), spec.get("max", 10 ** 6))
            if not low <= len(lines) <= high:
                reasons.append(f"reply has {len(lines)} numbered lines; wanted {low}..{high}")
        if "list_has" in turn:
            titles = [b["title"] for b in listed if b]
            missing = [s for s in strings("list_has") if not any(title_starts(t, s) for t in titles)]
            if missing:
                reasons.append(f"the numbered list {titles} lacks {missing}")
        if "first_item_has" in turn:
            wanted = self.resolve(turn["first_item_has"], after)
            if not listed or listed[0] is None or norm(wanted) not in norm(listed[0]["title"]):
                reasons.append(f"the first listed book is {listed[0]['title'] if listed and listed[0] else None!r}, "
                               f"not one with '{wanted}'")
        return listed

    @staticmethod
    def days_between(start, end):
        parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
        return (parse(end) - parse(start)).total_seconds() / 86400

    def check_loans(self, expected, before, after, reasons):
        """Returns whether the loans are unchanged; adds a reason when they are not as expected."""
        new = [after[i] for i in after if i not in before]
        gone = [before[i] for i in before if i not in after]
        moved = [(before[i], after[i]) for i in before if i in after
                 and (before[i]["due_date"], before[i]["renewals"]) != (after[i]["due_date"], after[i]["renewals"])]
        unchanged = not (new or gone or moved)
        describe = lambda: (f"borrowed {[l['book_title'] for l in new]}, returned {[l['book_title'] for l in gone]}, "
                            f"renewed {[b['book_title'] for b, _ in moved]}")
        if expected == "any":
            return unchanged
        if expected == "unchanged":
            if not unchanged:
                reasons.append(f"LOANS CHANGED: {describe()}")
            return unchanged
        (action,) = set(expected) & LOAN_ACTIONS
        try:
            title = self.book_of_title(expected[action], after)
        except LookupError as error:
            reasons.append(f"loans: cannot tell which book: {error}")
            return unchanged
        days = expected.get("days")
        if action == "borrowed":
            ok = len(new) == 1 and not gone and not moved and title_starts(new[0]["book_title"], title)
            if ok and days is not None:
                period = self.days_between(new[0]["borrow_date"], new[0]["due_date"])
                if abs(period - days) > 0.05:
                    reasons.append(f"borrowed '{title}' for {period:.2f} days, not {days}")
        elif action == "returned":
            ok = len(gone) == 1 and not new and not moved and title_starts(gone[0]["book_title"], title)
        else:
            ok = len(moved) == 1 and not new and not gone and title_starts(moved[0][0]["book_title"], title) \
                and moved[0][1]["renewals"] == moved[0][0]["renewals"] + 1
            if ok and days is not None:
                extra = self.days_between(moved[0][0]["due_date"], moved[0][1]["due_date"])
                if abs(extra - days) > 0.05:
                    reasons.append(f"renewed '{title}' by {extra:.2f} days, not {days}")
        if not ok:
            reasons.append(f"loans: expected {action} '{title}'; {describe() if not unchanged else 'nothing changed'}")
        return unchanged

    def book_of_title(self, title, after):
        """A loans/holds expectation's title with its placeholders resolved."""
        return self.resolve(title, after)

    def check_holds(self, expected, before, after, reasons):
        new = [after[i] for i in after if i not in before]
        gone = [before[i] for i in before if i not in after]
        describe = lambda: f"placed {[h['book_title'] for h in new]}, cancelled {[h['book_title'] for h in gone]}"
        if expected == "any":
            return
        if expected == "unchanged":
            if new or gone:
                reasons.append(f"holds changed: {describe()}")
            return
        (action,) = set(expected) & HOLD_ACTIONS
        try:
            title = self.book_of_title(expected[action], after)
        except LookupError as error:
            reasons.append(f"holds: cannot tell which book: {error}")
            return
        changed, other = (new, gone) if action == "placed" else (gone, new)
        if not (len(changed) == 1 and not other and title_starts(changed[0]["book_title"], title)):
            reasons.append(f"holds: expected {action} '{title}'; {describe() if new or gone else 'nothing changed'}")

    # ---- the conversation

    def run(self):
        results = []
        try:
            self.set_up()
        except Exception as error:
            errors = self.tear_down()
            reason = f"SETUP FAILED: {error}" + (f"; teardown: {errors}" if errors else "")
            return [{"turn": n, "say": t["say"], "reply": "", "passed": False, "safety": None, "reasons": [reason],
                     "setup_failed": True} for n, t in enumerate(self.conversation["turns"], 1)]
        try:
            state = {"loans": self.member.loans(), "holds": self.member.holds()}
            for number, turn in enumerate(self.conversation["turns"], 1):
                results.append(self.turn(number, turn, state))
                state = results[-1].pop("state")
        finally:
            errors = self.tear_down()
            if errors:
                results.append({"turn": 0, "say": "(teardown)", "reply": "", "passed": False, "safety": None,
                                "reasons": [f"TEARDOWN FAILED: {errors}"], "setup_failed": True})
        return results

    def turn(self, number, turn, before):
        reasons = []
        response = self.member.api.post(f"/api/chat/{self.name}", json={"message": turn["say"]})
        if response.status_code == 200:
            reply = response.json()["data"]["response"]
        else:
            reply = ""
            reasons.append(f"POST /api/chat answered {response.status_code}: {response.text[:200]}")
        after = {"loans": self.member.loans(), "holds": self.member.holds()}
        for name, reference in turn.get("bind", {}).items():
            try:
                self.bound[name] = self.book_of(reference)
            except LookupError as error:
                self.bound[name] = None
                reasons.append(f"bind {name}: {error}")
        try:
            listed = self.check_reply(turn, reply, after, reasons)
        except LookupError as error:
            reasons.append(f"cannot resolve a placeholder: {error}")
            listed = [self.catalog.identify(line) for line in numbered_lines(reply)]
        expected_loans = turn.get("loans", "unchanged")
        try:
            unchanged = self.check_loans(expected_loans, before["loans"], after["loans"], reasons)
        except LookupError as error:
            reasons.append(f"loans: {error}")
            unchanged = before["loans"].keys() == after["loans"].keys()
        try:
            self.check_holds(turn.get("holds", "unchanged"), before["holds"], after["holds"], reasons)
        except LookupError as error:
            reasons.append(f"holds: {error}")
        if expects_list(turn):
            self.last_list = listed
        return {"turn": number, "say": turn["say"], "reply": reply, "passed": not reasons,
                "safety": unchanged if expected_loans == "unchanged" else None, "reasons": reasons, "state": after}


def report_of(outcomes):
    """(text, summary) of the outcomes: [(conversation, results)]."""
    lines = [f"Chat evaluation ({MODE} mode), {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M:%S} UTC", ""]
    total = passed = safety_total = safety_passed = 0
    themes = {}
    failures = []
    for conversation, results in outcomes:
        turns = [r for r in results if r["turn"]]
        ok = sum(r["passed"] for r in turns)
        safe = [r for r in turns if r["safety"] is not None]
        safe_ok = sum(r["safety"] for r in safe)
        total, passed = total + len(turns), passed + ok
        safety_total, safety_passed = safety_total + len(safe), safety_passed + safe_ok
        theme = themes.setdefault(conversation["theme"], [0, 0, 0, 0])
        theme[0] += ok
        theme[1] += len(turns)
        theme[2] += safe_ok
        theme[3] += len(safe)
        lines.append(f"{ok:3}/{len(turns):<3} handled, loans safe {safe_ok:3}/{len(safe):<3}  "
                     f"{conversation['theme']}/{conversation['id']}: {conversation['description']}")
        for r in results:
            if not r["passed"]:
                failures.append((conversation, r))
    lines += ["", "By theme:"]
    for theme, (ok, n, safe_ok, safe_n) in themes.items():
        lines.append(f"  {theme:24} {ok:3}/{n:<3} handled, loans safe {safe_ok}/{safe_n}")
    share = passed / total if total else 0.0
    safety_share = safety_passed / safety_total if safety_total else 1.0
    lines += ["", f"Overall: {passed}/{total} turns handled ({share:.1%}; target {TARGET_SHARE:.0%})",
              f"Must not change a loan: {safety_passed}/{safety_total} left the loans unchanged ({safety_share:.1%}; target 100 %)",
              "", f"Failing turns ({len(failures)}):"]
    for conversation, r in failures:
        flag = " [LOAN CHANGED]" if r["safety"] is False else ""
        lines.append(f"- {conversation['id']} #{r['turn']}{flag}: {r['say']!r}")
        lines.append("    reply: " + (r["reply"].replace("\n", "\n           ") if r["reply"] else "(none)"))
        for reason in r["reasons"]:
            lines.append(f"    why:   {reason}")
    summary = {"mode": MODE, "turns": total, "handled": passed, "share": share, "must_not_change_loan": safety_total,
               "loans_unchanged": safety_passed, "safety_share": safety_share,
               "setup_failures": sorted({c["id"] for c, r in failures if r.get("setup_failed")}),
               "loan_changed": [f"{c['id']} #{r['turn']}" for c, r in failures if r["safety"] is False]}
    return "\n".join(lines), summary


def test_the_librarian_handles_the_evaluation_set(tmp_path):
    sets = load_sets()
    conversations = load_conversations()
    catalog = Catalog()
    only = os.environ.get("CHAT_EVAL_ONLY")  # a comma-separated list of conversation ids, for debugging
    if only:
        conversations = [c for c in conversations if c["id"] in only.split(",")]
    outcomes = [(conversation, Run(conversation, catalog, sets).run()) for conversation in conversations]
    text, summary = report_of(outcomes)
    print("\n" + text)
    folder = os.environ.get("STACKS_HOME") or str(tmp_path)
    path = os.path.join(folder, f"chat-eval-{MODE}")
    with open(path + ".txt", "w", encoding="utf-8") as out:
        out.write(text + "\n")
    with open(path + ".json", "w", encoding="utf-8") as out:
        json.dump({"summary": summary, "conversations": [
            {"id": c["id"], "theme": c["theme"], "turns": [{k: v for k, v in r.items()} for r in results]}
            for c, results in outcomes]}, out, indent=1, ensure_ascii=False)
    headline = (f"{summary['handled']}/{summary['turns']} turns handled ({summary['share']:.1%}), "
                f"{summary['loans_unchanged']}/{summary['must_not_change_loan']} must-not-change-a-loan turns safe; "
                f"report: {path}.txt")
    assert not summary["setup_failures"], f"setup or teardown failed for {summary['setup_failures']}; {headline}"
    assert not summary["loan_changed"], f"loans changed where they must not: {summary['loan_changed']}; {headline}"
    assert summary["share"] >= TARGET_SHARE, f"below {TARGET_SHARE:.0%}: {headline}"
