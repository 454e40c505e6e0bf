"""Notices and webhooks, made by the job runners: due soon, overdue, hold available and hold expired,
each once per occasion, in the inbox (unread filter, read mark, paging) and POSTed to a real HTTP
receiver with a signature it verifies; retries with the same delivery id, growing gaps and a dead
end; and a kill storm of the runners while 200 loans come due: 200 notices, 200 distinct deliveries."""
import json
import random
import threading
import time
import uuid

from conftest import wait_for, API, BASE_URL, admin_sql, assert_problem, killer, new_key, register, stack_runner_pids
from receiver import Receiver, verify
from test_preferences import new_book

STORM_LOANS = 200



def member():
    email, password = register()
    api = API(BASE_URL, new_key(email, password)["api_key"])
    api.email = email
    return api


def member_id(api):
    return int(admin_sql(f"SELECT id FROM members WHERE email = '{api.email}'")[0])


def inbox(api, query=""):
    response = api.get(f"/api/notices?limit=100{query}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def with_webhook(api, url):
    secret = api.post("/api/preferences/webhook-secret").json()["data"]["secret"]
    on = api.request("PATCH", "/api/preferences", json={"channels": ["inbox", "webhook"], "webhook_url": url})
    assert on.status_code == 200, on.text
    return secret


def scans_after(moment_sql="now()", count=2):
    """Waits until `count` notice scans that started after this moment are done."""
    start = admin_sql(f"SELECT {moment_sql}")[0]
    wait_for(lambda: int(admin_sql(f"SELECT count(*) FROM jobs WHERE kind = 'notices_scan' AND state = 'done' "
                                   f"AND created_at > '{start}'")[0]) >= count, 20, f"{count} notice scans ran")


def borrow_due_in(api, interval):
    """Borrows a fresh book and moves its due time to now() + `interval` (as if time had passed)."""
    loan = api.post(f"/api/books/{new_book()}/borrow").json()["data"]
    admin_sql(f"UPDATE loans SET borrowed_at = least(borrowed_at, now() + interval '{interval}' - interval '1 day'), "
              f"due_at = now() + interval '{interval}' WHERE id = {loan['id']}")
    return loan["id"]


def test_a_loan_due_soon_gets_one_notice_and_due_soon_days_0_gets_none():
    api, quiet = member(), member()
    assert quiet.request("PATCH", "/api/preferences", json={"notices": {"due_soon_days": 0}}).status_code == 200
    loan = borrow_due_in(api, "1 day")
    quiet_loan = borrow_due_in(quiet, "1 day")
    notice = wait_for(lambda: [n for n in inbox(api) if n["loan_id"] == loan], 20, "the due-soon notice")[0]
    assert notice["kind"] == "due_soon" and notice["read_at"] is None and notice["due_at"]
    assert "is due back on" in notice["message"] and notice["title"].startswith("Prefs ")
    scans_after()
    assert [n["kind"] for n in inbox(api) if n["loan_id"] == loan] == ["due_soon"]
    assert [n for n in inbox(quiet) if n["loan_id"] == quiet_loan] == []
    # A renewal moves the due time: a new occasion, one more notice.
    admin_sql(f"UPDATE loans SET due_at = due_at + interval '1 hour' WHERE id = {loan}")
    wait_for(lambda: len([n for n in inbox(api) if n["loan_id"] == loan]) == 2, 20, "a notice for the new due time")


def test_an_overdue_loan_gets_one_notice_per_week_at_most_three():
    api, quiet = member(), member()
    assert quiet.request("PATCH", "/api/preferences", json={"notices": {"overdue": False}}).status_code == 200
    loan = borrow_due_in(api, "-1 minute")
    quiet_loan = borrow_due_in(quiet, "-1 minute")
    wait_for(lambda: [n for n in inbox(api) if n["loan_id"] == loan and n["kind"] == "overdue"], 20, "the overdue notice")
    admin_sql(f"UPDATE loans SET due_at = due_at - interval '8 days', borrowed_at = borrowed_at - interval '8 days' "
              f"WHERE id = {loan}")
    wait_for(lambda: any("reminder 2 of 3" in n["message"] for n in inbox(api)), 20, "the second overdue notice")
    admin_sql(f"UPDATE loans SET due_at = due_at - interval '30 days', borrowed_at = borrowed_at - interval '30 days' "
              f"WHERE id = {loan}")
    scans_after()
    overdue = [n for n in inbox(api) if n["loan_id"] == loan and n["kind"] == "overdue"]
    assert len(overdue) == 2, overdue
    assert [n for n in inbox(quiet) if n["loan_id"] == quiet_loan] == []


def test_a_captured_hold_and_its_expiry_each_give_one_notice():
    holder, reader = member(), member()
    book = new_book(1)
    loan = reader.post(f"/api/books/{book}/borrow").json()["data"]
    hold = holder.post(f"/api/books/{book}/holds").json()["data"]
    assert reader.post(f"/api/borrows/{loan['id']}/return").status_code == 200
    available = wait_for(lambda: [n for n in inbox(holder) if n["hold_id"] == hold["id"]], 20, "hold available")[0]
    assert available["kind"] == "hold_available" and available["pickup_by"] and available["book_id"] == book
    assert "waits for you on the hold shelf until" in available["message"]
    # The copy waits about 5 s under deploy/test; then the hold expires: one more notice.
    expired = wait_for(lambda: [n for n in inbox(holder) if n["hold_id"] == hold["id"] and n["kind"] == "hold_expired"],
                       30, "hold expired")
    scans_after()
    assert sorted(n["kind"] for n in inbox(holder) if n["hold_id"] == hold["id"]) == ["hold_available", "hold_expired"]
    assert expired[0]["id"] > available["id"]


def test_the_inbox_filters_unread_marks_read_pages_and_is_private():
    api, other = member(), member()
    loans = [borrow_due_in(api, "-1 minute") for _ in range(3)]
    wait_for(lambda: len(inbox(api)) == 3, 20, "three overdue notices")
    newest_first = inbox(api)
    assert [n["id"] for n in newest_first] == sorted((n["id"] for n in newest_first), reverse=True)
    assert {n["loan_id"] for n in newest_first} == set(loans)
    target = newest_first[1]["id"]
    read = api.post(f"/api/notices/{target}/read")
    assert read.status_code == 200 and read.json()["data"]["read_at"], read.text
    again = api.post(f"/api/notices/{target}/read").json()["data"]
    assert again["read_at"] == read.json()["data"]["read_at"]
    assert [n["id"] for n in inbox(api, "&unread=true")] == [newest_first[0]["id"], newest_first[2]["id"]]
    page = api.get("/api/notices?limit=2").json()
    assert len(page["data"]) == 2 and page["meta"]["next_cursor"]
    rest = api.get(f"/api/notices?limit=2&cursor={page['meta']['next_cursor']}").json()["data"]
    assert [n["id"] for n in page["data"] + rest] == [n["id"] for n in newest_first]
    assert_problem(other.post(f"/api/notices/{target}/read"), 404)
    assert inbox(other) == []
    assert_problem(api.get("/api/notices?unread=maybe"), 400)
    assert_problem(api.get("/api/notices?kind=overdue"), 400)


def deliveries(api):
    response = api.get("/api/webhooks/deliveries?limit=100")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_each_notice_reaches_the_webhook_once_signed_and_a_flaky_receiver_gets_it_again():
    script = lambda path, n: 500 if path == "/flaky" and n <= 2 else 200
    with Receiver(script) as receiver:
        api, flaky = member(), member()
        secret = with_webhook(api, receiver.url("/ok"))
        flaky_secret = with_webhook(flaky, receiver.url("/flaky"))
        loan = borrow_due_in(api, "1 day")
        borrow_due_in(flaky, "1 day")
        got = wait_for(lambda: receiver.received("/ok"), 20, "the delivery")
        posts = wait_for(lambda: len(receiver.received("/flaky")) >= 3 and receiver.received("/flaky"), 30, "three tries")
        scans_after()
        got = receiver.received("/ok")
        assert len(got) == 1, got
        body = json.loads(got[0]["body"])
        assert body["type"] == "notice.due_soon" and body["notice"]["loan_id"] == loan
        assert got[0]["headers"]["Content-Type"] == "application/json"
        assert got[0]["headers"]["Stacks-Delivery"] == str(body["id"])
        assert verify(secret, got[0]["headers"]["Stacks-Signature"], got[0]["body"])
        assert not verify(flaky_secret, got[0]["headers"]["Stacks-Signature"], got[0]["body"])
        assert body["notice"]["id"] == inbox(api)[0]["id"]
        assert len(posts) == 3 and len({p["headers"]["Stacks-Delivery"] for p in posts}) == 1
        assert len({p["body"] for p in posts}) == 1
        assert all(verify(flaky_secret, p["headers"]["Stacks-Signature"], p["body"]) for p in posts)
        shown = wait_for(lambda: [d for d in deliveries(flaky) if d["status"] == "delivered"], 10, "delivered")[0]
        assert [a["http_status"] for a in shown["attempts"]] == [500, 500, 200]
        assert shown["id"] == int(posts[0]["headers"]["Stacks-Delivery"]) and shown["event"] == "notice.due_soon"
        assert deliveries(api)[0]["attempts"][0]["http_status"] == 200
        assert deliveries(member()) == []


def test_a_receiver_that_never_answers_is_retried_with_growing_gaps_and_ends_dead():
    with Receiver(lambda path, n: None) as receiver:
        api = member()
        with_webhook(api, receiver.url("/silent"))
        borrow_due_in(api, "1 day")
        # deploy/test: each attempt times out after 1 s, and a delivery is retried for 18 s.
        dead = wait_for(lambda: [d for d in deliveries(api) if d["status"] == "dead"], 60, "the delivery is dead")[0]
        starts = [p["time"] for p in receiver.received("/silent")]
        assert len(starts) == len(dead["attempts"]) >= 3, (starts, dead)
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        assert all(later > earlier for earlier, later in zip(gaps, gaps[1:])), gaps
        assert all(a["http_status"] is None and "timed out" in a["error"] for a in dead["attempts"]), dead
        job = admin_sql(f"SELECT state, attempts FROM jobs WHERE kind = 'webhook_delivery' "
                        f"AND (payload->>'delivery_id')::bigint = {dead['id']}")
        assert job == [f"dead|{len(starts)}"]


def test_runners_killed_every_100ms_while_200_loans_come_due_make_200_notices_and_200_deliveries():
    with Receiver() as receiver:
        api = member()
        secret = with_webhook(api, receiver.url("/storm"))
        who = member_id(api)
        tag = uuid.uuid4().hex[:8]
        admin_sql(f"""
            INSERT INTO books (title, author, isbn, year, copies, available_copies)
            SELECT 'Due {tag} ' || n, 'Storm', '97{random.randint(100000, 999999)}' || lpad(n::text, 5, '0'),
                   2020, 1, 1
            FROM generate_series(1, {STORM_LOANS}) AS n;
        """)
        stop, kills = threading.Event(), []
        thread = threading.Thread(target=killer, args=(stop, kills, stack_runner_pids), daemon=True)
        thread.start()
        try:
            # Due in two days and five seconds: they enter the two-day due-soon window under the storm.
            admin_sql(f"""
                WITH lent AS (
                    UPDATE items SET status = 'on_loan' FROM books b
                    WHERE items.book_id = b.id AND b.title LIKE 'Due {tag} %' RETURNING items.id, items.book_id, items.barcode
                )
                INSERT INTO loans (book_id, item_id, barcode, member_id, book_title, borrower_name, due_at)
                SELECT lent.book_id, lent.id, lent.barcode, {who}, b.title, 'Storm', now() + interval '2 days 5 seconds'
                FROM lent JOIN books b ON b.id = lent.book_id
            """)
            wait_for(lambda: len({p["headers"]["Stacks-Delivery"] for p in receiver.received("/storm")}) >= STORM_LOANS,
                     120, f"{STORM_LOANS} deliveries under the storm")
            time.sleep(2)
        finally:
            stop.set()
            thread.join()
        scans_after()
        posts = receiver.received("/storm")
        notices = admin_sql(f"SELECT count(*), count(DISTINCT loan_id) FROM notices WHERE member_id = {who} "
                            f"AND kind = 'due_soon'")
        assert notices == [f"{STORM_LOANS}|{STORM_LOANS}"]
        assert len(posts) >= STORM_LOANS
        assert len({p["headers"]["Stacks-Delivery"] for p in posts}) == STORM_LOANS
        assert len({json.loads(p["body"])["notice"]["loan_id"] for p in posts}) == STORM_LOANS
        assert all(verify(secret, p["headers"]["Stacks-Signature"], p["body"]) for p in posts)
        assert kills, "no runner was killed"
        print(f"notice kill storm: {len(kills)} SIGKILLs, {STORM_LOANS} notices, {len(posts)} POSTs, "
              f"{STORM_LOANS} distinct delivery ids")
