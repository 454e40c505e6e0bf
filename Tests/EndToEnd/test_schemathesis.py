"""schemathesis against the running stack, from the published document: every operation, every
check (no 5xx, responses inside the schema, auth enforced, what was created is there and what was
deleted is gone), stateful sequences through the document's links, and a fixed seed.

Two members: the owner has a loan, a hold, a conversation, notices, a key and preferences that
carry a marker; the fuzzer acts as the reader and no response to it may hold the owner's marker or
email. A librarian's pass covers the admin operations. Every request of the reader aimed at the
owner's ids is a 404 and changes nothing.

In the pooled mode each operation gets STACKS_SCHEMATHESIS_EXAMPLES generated cases (25 by
default) besides the coverage phase's fixed set; the recycled and cgi modes run a smoke pass of 3,
without the coverage phase. The figures go to $STACKS_HOME/log/schemathesis.txt, which deploy/test
prints in its summary, and to pytest's terminal summary.
"""
import os
import re
import uuid

import pytest

import contract
from conftest import API, BASE_URL, MODE, admin_sql, assert_problem, make_librarian, new_key, register, unique_email, wait_for

FULL = MODE == "pooled"
EXAMPLES = int(os.environ.get("STACKS_SCHEMATHESIS_EXAMPLES", "25" if FULL else "3"))
STEPS = 10 if FULL else 4
# The coverage phase (boundaries and every kind of invalid value, a fixed set) in the pooled mode.
PHASES = ("examples", "coverage", "fuzzing") if FULL else ("examples", "fuzzing")

# Operations only a librarian may use (or whose parameters only a librarian may set), and the reads
# of the resources they make, for the links between them.
ADMIN_OPERATIONS = ["POST /api/books", "PATCH /api/books/{id}", "DELETE /api/books/{id}", "POST /api/books/{id}/items",
                    "GET /api/items/{barcode}", "PATCH /api/items/{barcode}", "POST /api/desk/checkout",
                    "POST /api/desk/checkin", "GET /api/jobs", "GET /api/borrows", "GET /api/holds",
                    "GET /api/books/{id}", "GET /api/books/{id}/items", "GET /api/borrows/{id}"]


def report(outcome):
    """Writes the run's figures where deploy/test's summary finds them, and fails on any failure."""
    line = f"{outcome.line()} [{MODE}]"
    contract.SUMMARY.append(line)
    with open(os.path.join(os.environ["STACKS_HOME"], "log", "schemathesis.txt"), "a") as summary:
        summary.write(line + "\n")
    assert outcome.operations > 0 and outcome.cases > 0, line
    assert not outcome.failures, line + "\n\n" + "\n\n".join(outcome.failures)
    assert not outcome.errors, line + "\n\n" + "\n\n".join(outcome.errors)


def unique_isbn():
    """A fresh ISBN-13 with its check digit."""
    digits = "979" + str(uuid.uuid4().int % 10**9).zfill(9)
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
    return digits + str(check)


def new_book(admin, title, copies, made):
    response = admin.post("/api/books", json={"title": title, "author": "Schemathesis Sandbox", "isbn": unique_isbn(),
                                              "year": 2026, "copies": copies})
    assert response.status_code == 201, response.text
    made.add(response.json()["data"]["id"])
    return response.json()["data"]["id"]


class Owner:
    """Member A, whose data the reader must never see."""


@pytest.fixture(scope="module")
def made_books():
    """The books this module and its runs made, removed at the end."""
    return set()


@pytest.fixture(scope="module")
def librarian():
    email, password = register(unique_email("fuzz-librarian"))
    make_librarian(email)
    member = contract.Member(BASE_URL, email, password)
    member.api = API(BASE_URL, new_key(email, password)["api_key"])
    return member


@pytest.fixture(scope="module")
def sandbox(librarian, owner, made_books):
    """A book the run may write to; every book and copy that exists now is left alone."""
    book = new_book(librarian.api, "Fuzzing Sandbox", 2, made_books)
    barcode = librarian.api.get(f"/api/books/{book}/items").json()["data"][0]["barcode"]
    protected = {int(row) for row in admin_sql("SELECT id FROM books")} - {book}
    barcodes = set(admin_sql("SELECT barcode FROM items")) - {barcode}
    return contract.Sandbox(book, barcode, protected, barcodes)


@pytest.fixture(scope="module")
def owner(librarian, made_books):
    """Member A: a loan, a waiting hold, a notice (of a hold captured at once), a conversation, a
    labelled key and preferences, the marker in each that has text."""
    marker = "mk" + uuid.uuid4().hex[:16]
    email, password = register(f"owner-{marker}@example.org", name=f"Owner {marker}")
    a = Owner()
    a.marker, a.email = marker, email
    key = new_key(email, password, label=f"key {marker}")
    a.api, a.key_id = API(BASE_URL, key["api_key"]), key["key_id"]
    loan = a.api.post(f"/api/books/{new_book(librarian.api, 'Owner Loan', 1, made_books)}/borrow", json={"borrower_name": f"Borrower {marker}"})
    assert loan.status_code == 201, loan.text
    a.loan_id = loan.json()["data"]["id"]
    captured = a.api.post(f"/api/books/{new_book(librarian.api, 'Owner Notice', 1, made_books)}/holds")
    assert captured.status_code == 201, captured.text
    wanted = new_book(librarian.api, "Owner Hold", 1, made_books)
    assert librarian.api.post(f"/api/books/{wanted}/borrow").status_code == 201
    hold = a.api.post(f"/api/books/{wanted}/holds")
    assert hold.status_code == 201 and hold.json()["data"]["status"] == "waiting", hold.text
    a.hold_id = hold.json()["data"]["id"]
    chat = a.api.post("/api/chat/owner-conversation", json={"message": f"Please remember {marker}"})
    assert chat.status_code == 200, chat.text
    a.conversation_id = "owner-conversation"
    preferences = a.api.request("PATCH", "/api/preferences", json={"webhook_url": f"http://127.0.0.1:9/{marker}", "default_loan_days": 9})
    assert preferences.status_code == 200, preferences.text
    a.notice_id = wait_for(lambda: [n["id"] for n in a.api.get("/api/notices").json()["data"]], 30, "the owner's hold notice")[0]
    a.state = owner_state(a)
    yield a
    give_back(a.api)


def owner_state(a):
    """What the reader must not be able to change: A's loan, waiting hold, conversation, key,
    notice and preferences (the captured hold expires on its own, so it is left out)."""
    get = lambda path: a.api.get(path).json()["data"]  # noqa: E731
    notice = next(n for n in get("/api/notices?limit=100") if n["id"] == a.notice_id)
    return {"loan": get(f"/api/borrows/{a.loan_id}"), "hold": get(f"/api/holds/{a.hold_id}"),
            "chat": get(f"/api/chat/{a.conversation_id}"), "keys": get("/api/auth/keys"),
            "notice": notice["read_at"], "preferences": get("/api/preferences")}


def give_back(api):
    """Returns the member's loans and cancels its open holds."""
    for loan in api.get("/api/borrows?status=active&limit=100").json()["data"]:
        api.post(f"/api/borrows/{loan['id']}/return")
    for hold in api.get("/api/holds?limit=100").json()["data"]:
        if hold["status"] in ("waiting", "awaiting_pickup"):
            api.request("DELETE", f"/api/holds/{hold['id']}")


@pytest.fixture(scope="module")
def reader():
    """Member B, as whom the fuzzer runs, with API keys."""
    email, password = register(unique_email("fuzz-reader"))
    return contract.Member(BASE_URL, email, password)


@pytest.fixture(scope="module")
def token_reader():
    """Another member for the stateful pass, with access tokens (logout is in its sequences)."""
    email, password = register(unique_email("fuzz-stateful"))
    return contract.Member(BASE_URL, email, password, kind="access_token")


@pytest.fixture(scope="module", autouse=True)
def cleanup(librarian, reader, token_reader, made_books):
    """Afterwards: the run's members return their loans and cancel their holds, and every book
    this module made is removed, so the catalog is as it was for the tests and modes that follow."""
    yield
    for member in (reader, token_reader, librarian):
        give_back(API(BASE_URL, member.mint()))
    for book in sorted(made_books):
        # The librarian's pass may have lent them at the desk to whichever member an example names.
        items = librarian.api.get(f"/api/books/{book}/items")
        for item in items.json()["data"] if items.status_code == 200 else []:
            if item["status"] == "on_loan":
                librarian.api.post("/api/desk/checkin", json={"barcode": item["barcode"]})
        response = librarian.api.request("DELETE", f"/api/books/{book}")
        assert response.status_code in (204, 404), response.text


def test_every_operation_as_a_member_finds_nothing(owner, reader, sandbox, made_books):
    outcome = contract.run("member", BASE_URL, reader, sandbox, forbidden=(owner.marker, owner.email),
                           phases=PHASES, max_examples=EXAMPLES)
    made_books.update(outcome.created_books)
    report(outcome)


def test_stateful_sequences_as_a_member_with_access_tokens_find_nothing(owner, token_reader, sandbox, made_books):
    outcome = contract.run("stateful", BASE_URL, token_reader, sandbox, forbidden=(owner.marker, owner.email),
                           phases=("stateful",), max_examples=EXAMPLES, max_steps=STEPS)
    made_books.update(outcome.created_books)
    report(outcome)


def test_the_admin_operations_as_a_librarian_find_nothing(owner, librarian, sandbox, made_books):
    unlisted = set(contract.scoped_operations(contract.document(BASE_URL), "admin")) - set(ADMIN_OPERATIONS)
    assert not unlisted, f"operations that need the admin scope, missing from ADMIN_OPERATIONS: {sorted(unlisted)}"
    outcome = contract.run("librarian", BASE_URL, librarian, sandbox, max_examples=EXAMPLES,
                           phases=PHASES + ("stateful",), max_steps=STEPS,
                           operations=ADMIN_OPERATIONS)
    made_books.update(outcome.created_books)
    report(outcome)
    assert owner_state(owner)["loan"]["status"] == "active"


# Paths whose ids name a member's own resource, and which of the owner's ids to aim at them; the
# other paths with an id name the library's books and copies.
OWNED = {"/api/borrows/": "loan_id", "/api/holds/": "hold_id", "/api/chat/": "conversation_id",
         "/api/notices/": "notice_id", "/api/auth/keys/": "key_id"}
LIBRARYS = ("/api/books/", "/api/items/")

# A body that passes validation, so that the answer is about the id alone (path parameters as {}).
VALID_BODIES = {"PATCH /api/holds/{}": {"suspended_until": None}, "POST /api/borrows/{}/renew": {},
                "POST /api/chat/{}": {"message": "hello"}}


def operations_with_ids():
    """Every operation of the document whose path has an id in it."""
    return [name for name in contract.operation_names(contract.document(BASE_URL)) if "{" in name]


def test_every_path_with_an_id_names_a_members_resource_or_the_librarys():
    unknown = [name for name in operations_with_ids() if not name.split(" ", 1)[1].startswith(tuple(OWNED) + LIBRARYS)]
    assert not unknown, f"say in OWNED whose ids these are: {unknown}"


@pytest.mark.parametrize("operation", [name for name in operations_with_ids()
                                       if name.split(" ", 1)[1].startswith(tuple(OWNED))])
def test_the_readers_requests_at_the_owners_ids_are_404_and_change_nothing(operation, owner, reader):
    method, path = operation.split(" ", 1)
    prefix = next(p for p in OWNED if path.startswith(p))
    body = VALID_BODIES.get(re.sub(r"\{[^}]+\}", "{}", operation))
    aimed = re.sub(r"\{[^}]+\}", str(getattr(owner, OWNED[prefix])), path)
    api = API(BASE_URL, reader.mint())
    response = api.request(method, aimed, json=body)
    if prefix == "/api/chat/":
        # Conversation ids are the member's own names: the reader's "owner-conversation" is the
        # reader's, so it answers exactly as a name nobody ever used does.
        unused = re.sub(r"\{[^}]+\}", "never-" + uuid.uuid4().hex, path)
        assert response.status_code == api.request(method, unused, json=body).status_code, response.text
        api.request("DELETE", aimed)
        api.request("DELETE", unused)
    else:
        assert_problem(response, 404, "not-found")
    assert owner.marker not in response.text and owner.email not in response.text
    assert owner_state(owner) == owner.state
