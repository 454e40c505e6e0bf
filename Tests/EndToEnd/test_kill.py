"""Kill storm: a client borrows and returns with idempotency keys through nginx while a random
worker is SIGKILLed every 100 ms. It retries with the same key on 502/503/504, on connection
errors and on replies it gave up waiting for. Afterwards the database holds exactly the
acknowledged operations: none lost, none doubled, and some replies came from replays."""
import os
import random
import threading
import time
import uuid

import requests

from conftest import killer, BASE_URL, admin_sql, stack_worker_pids, stored_loans
from test_loans import add_book, fresh_member

SECONDS = float(os.environ.get("STACKS_KILL_SECONDS", "20"))


def until_acknowledged(session, path, stats):
    """POSTs with one idempotency key until the outcome is definite; returns the final response."""
    key = "kill-" + uuid.uuid4().hex
    attempt = 0
    give_up = time.time() + 60
    while True:
        attempt += 1
        assert time.time() < give_up, f"no definite answer for {path} in 60 s: {stats}"
        # Now and then give up on the reply right after sending: the reply is lost, the effect may not be.
        impatient = attempt == 1 and random.random() < 0.25
        try:
            response = session.post(BASE_URL + path, headers={"Idempotency-Key": key},
                                    timeout=(5, 0.005 if impatient else 30))
        except requests.RequestException:
            stats["lost"] += 1
            time.sleep(0.02)
            continue
        if response.status_code in (502, 503, 504) or (
                response.status_code == 409 and "idempotency-in-flight" in response.text):
            stats["retried"] += 1
            time.sleep(0.05)
            continue
        if response.headers.get("Idempotent-Replayed") == "true":
            stats["replayed"] += 1
        return response


def test_nothing_acknowledged_is_lost_or_doubled_under_a_kill_storm():
    client, email = fresh_member()
    session = client.session
    books = [add_book(copies=3) for _ in range(3)]
    stats = {"lost": 0, "retried": 0, "replayed": 0}
    borrowed, returned = [], []
    stop, kills = threading.Event(), []
    thread = threading.Thread(target=killer, args=(stop, kills, stack_worker_pids))
    thread.start()
    deadline = time.time() + SECONDS
    try:
        while time.time() < deadline:
            response = until_acknowledged(session, f"/api/books/{random.choice(books)}/borrow", stats)
            assert response.status_code == 201, response.text
            loan = response.json()["data"]["id"]
            borrowed.append(loan)
            response = until_acknowledged(session, f"/api/borrows/{loan}/return", stats)
            assert response.status_code == 200, response.text
            returned.append(loan)
    finally:
        stop.set()
        thread.join()
    stored, stored_returned = stored_loans(email)
    summary = f"kill storm ({os.environ.get('STACKS_TEST_MODE')}): {SECONDS:.0f} s, {len(kills)} kills, " \
              f"{len(borrowed)} borrows, {len(returned)} returns, {stats}"
    with open(os.path.join(os.environ["STACKS_HOME"], "log", "kill-storm.txt"), "a") as report:
        report.write(summary + "\n")
    assert len(kills) >= SECONDS * 5
    assert len(borrowed) >= 10
    assert stored == sorted(borrowed), "a loan was lost or made twice"
    assert stored_returned == sorted(returned)
    for book in books:
        copies, available = map(int, admin_sql(f"SELECT copies || ' ' || available_copies FROM books WHERE id = {book}")[0].split())
        assert (copies, available) == (3, 3)
    assert stats["replayed"] >= 1, stats
