"""Loans through nginx: the demo client's borrow/list/return cycle, the loan rules, renewals,
and the one-copy race that must never double-book."""
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from conftest import API, BASE_URL, admin_sql, assert_problem, new_key, register, unique_email

RACE_ROUNDS = int(os.environ.get("STACKS_RACE_ROUNDS", "200"))


def fresh_member():
    email, password = register()
    return API(BASE_URL, new_key(email, password)["api_key"]), email


def add_book(copies=1):
    isbn = "9799" + uuid.uuid4().int.__str__()[:8]
    digits = [int(c) for c in isbn]
    isbn += str((10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10)
    return int(admin_sql(
        f"INSERT INTO books (title, author, isbn, year, copies, available_copies) "
        f"VALUES ('Race {isbn}', 'Tester', '{isbn}', 2020, {copies}, {copies}) RETURNING id")[0])


def invariant(book_id):
    copies, available, active = admin_sql(
        f"SELECT b.copies || ' ' || b.available_copies || ' ' || "
        f"(SELECT count(*) FROM loans WHERE book_id = b.id AND returned_at IS NULL) FROM books b WHERE id = {book_id}")[0].split()
    return int(copies), int(available), int(active)


def test_the_demo_flow_runs_three_times_in_a_row(anon):
    email = unique_email("demo")
    key = anon.post("/api/auth/generate-key", json={"email": email}).json()["data"]["api_key"]
    client = API(BASE_URL, key)
    for _ in range(3):
        books = client.get("/api/books").json()["data"]
        first = books[0]
        borrowed = client.post(f"/api/books/{first['id']}/borrow", json={"borrower_name": "Demo User", "days": 14})
        assert borrowed.status_code == 201, borrowed.text
        record = borrowed.json()["data"]
        assert set(record) >= {"id", "book_id", "book_title", "borrower_name", "borrower_email", "borrow_date", "due_date",
                               "returned", "returned_at", "renewals"}
        assert record["book_id"] == first["id"] and record["borrower_name"] == "Demo User"
        assert record["borrower_email"] == email and record["returned"] is False
        borrows = client.get("/api/borrows").json()["data"]
        assert borrows[0]["id"] == record["id"]
        returned = client.post(f"/api/borrows/{borrows[0]['id']}/return")
        assert returned.status_code == 200, returned.text
        assert returned.json()["data"]["returned"] is True and returned.json()["data"]["returned_at"]


def test_borrow_rules(api):
    client, _ = fresh_member()
    book = add_book(copies=1)
    assert_problem(client.post("/api/books/999999999/borrow"), 404)
    for days in [0, 31, "7"]:
        assert_problem(client.post(f"/api/books/{book}/borrow", json={"days": days}), 422)
    assert_problem(client.post(f"/api/books/{book}/borrow", json={"borrower": "x"}), 400)
    first = client.post(f"/api/books/{book}/borrow")
    assert first.status_code == 201
    assert first.json()["data"]["borrower_name"] == "Test Member"
    assert first.headers["Location"] == f"/api/borrows/{first.json()['data']['id']}"
    other, _ = fresh_member()
    assert_problem(other.post(f"/api/books/{book}/borrow"), 409, "conflict")
    assert invariant(book) == (1, 0, 1)


def test_a_member_may_hold_at_most_five_loans(api):
    client, _ = fresh_member()
    books = [add_book(copies=2) for _ in range(6)]
    for book in books[:5]:
        assert client.post(f"/api/books/{book}/borrow").status_code == 201
    problem = assert_problem(client.post(f"/api/books/{books[5]}/borrow"), 409)
    assert "5 active loans" in problem["detail"]


def test_concurrent_borrows_by_one_member_respect_the_loan_limit():
    client, _ = fresh_member()
    books = [add_book(copies=2) for _ in range(8)]
    barrier = threading.Barrier(8)

    def attempt(book):
        barrier.wait()
        return client.post(f"/api/books/{book}/borrow").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, books))
    assert statuses == [201] * 5 + [409] * 3
    assert len(client.get("/api/borrows?status=active").json()["data"]) == 5


def test_returns_are_private_and_happen_once():
    owner, _ = fresh_member()
    stranger, _ = fresh_member()
    loan = owner.post(f"/api/books/{add_book()}/borrow").json()["data"]
    assert_problem(stranger.post(f"/api/borrows/{loan['id']}/return"), 404)
    assert owner.post(f"/api/borrows/{loan['id']}/return").status_code == 200
    assert_problem(owner.post(f"/api/borrows/{loan['id']}/return"), 409, "conflict")
    assert_problem(owner.post("/api/borrows/999999999/return"), 404)


def test_renewals_extend_the_due_date_up_to_the_limit_and_never_when_overdue():
    client, _ = fresh_member()
    loan = client.post(f"/api/books/{add_book()}/borrow", json={"days": 7}).json()["data"]
    first = client.post(f"/api/borrows/{loan['id']}/renew", json={"days": 10})
    assert first.status_code == 200, first.text
    assert first.json()["data"]["due_date"] > loan["due_date"] and first.json()["data"]["renewals"] == 1
    assert client.post(f"/api/borrows/{loan['id']}/renew").json()["data"]["renewals"] == 2
    assert_problem(client.post(f"/api/borrows/{loan['id']}/renew"), 409)
    overdue = client.post(f"/api/books/{add_book()}/borrow").json()["data"]
    admin_sql(f"UPDATE loans SET borrowed_at = now() - interval '30 days', due_at = now() - interval '1 day' WHERE id = {overdue['id']}")
    assert_problem(client.post(f"/api/borrows/{overdue['id']}/renew"), 409)
    statuses = {b["id"]: b["status"] for b in client.get("/api/borrows?status=overdue").json()["data"]}
    assert statuses == {overdue["id"]: "overdue"}


def test_lists_newest_first_with_status_filters_and_pages(admin):
    client, email = fresh_member()
    ids = [client.post(f"/api/books/{add_book()}/borrow").json()["data"]["id"] for _ in range(3)]
    client.post(f"/api/borrows/{ids[0]}/return")
    assert [b["id"] for b in client.get("/api/borrows").json()["data"]] == ids[::-1]
    assert [b["id"] for b in client.get("/api/borrows?status=active").json()["data"]] == ids[:0:-1]
    assert [b["id"] for b in client.get("/api/borrows?status=returned").json()["data"]] == [ids[0]]
    page = client.get("/api/borrows?limit=2")
    assert [b["id"] for b in page.json()["data"]] == [ids[2], ids[1]]
    rest = client.get(f"/api/borrows?limit=2&cursor={page.json()['meta']['next_cursor']}").json()
    assert [b["id"] for b in rest["data"]] == [ids[0]] and rest["meta"]["next_cursor"] is None
    assert_problem(client.get("/api/borrows?status=lost"), 400)
    assert_problem(client.get(f"/api/borrows?member={email}"), 403)
    seen = admin.get(f"/api/borrows?member={email}").json()["data"]
    assert [b["id"] for b in seen] == ids[::-1]


def test_race_of_32_borrowers_for_one_copy_never_double_books():
    members = [fresh_member()[0] for _ in range(32)]
    book = add_book(copies=1)
    barrier = threading.Barrier(32)

    def attempt(client):
        barrier.wait()
        return client.post(f"/api/books/{book}/borrow")

    with ThreadPoolExecutor(max_workers=32) as pool:
        for round_no in range(RACE_ROUNDS):
            responses = list(pool.map(attempt, members))
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [201] + [409] * 31, (round_no, statuses)
            copies, available, active = invariant(book)
            assert (copies, available + active) == (1, 1) and active == 1, round_no
            winner = next(r for r in responses if r.status_code == 201)
            loan_id = winner.json()["data"]["id"]
            client = members[responses.index(winner)]
            assert client.post(f"/api/borrows/{loan_id}/return").status_code == 200
            assert invariant(book) == (1, 1, 0)
