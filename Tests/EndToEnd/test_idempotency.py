"""Idempotency keys: the first response replayed byte for byte, 422 for a changed request,
409 while the first is still running, keys scoped to their caller, and safe DELETE retries."""
import os
import subprocess
import threading
import time
import uuid

from conftest import ROOT, admin_sql, assert_problem
from test_loans import add_book, fresh_member, invariant


def key():
    return "test-" + uuid.uuid4().hex


def test_the_same_key_replays_the_first_response_byte_for_byte():
    client, _ = fresh_member()
    book = add_book(copies=3)
    k = key()
    first = client.post(f"/api/books/{book}/borrow", json={"days": 7}, headers={"Idempotency-Key": k})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    for header in ["Idempotency-Key", "X-Idempotency-Key"]:
        again = client.post(f"/api/books/{book}/borrow", data=b'{ "days" : 7 }',
                            headers={header: k, "Content-Type": "application/json"})
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == first.content
        assert again.headers["Location"] == first.headers["Location"]
    assert invariant(book) == (3, 2, 1)


def test_a_refusal_is_replayed_too():
    client, _ = fresh_member()
    k = key()
    first = client.post("/api/books/999999999/borrow", headers={"Idempotency-Key": k})
    assert_problem(first, 404)
    again = client.post("/api/books/999999999/borrow", headers={"Idempotency-Key": k})
    assert again.status_code == 404 and again.content == first.content and again.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_for_another_request_is_422():
    client, _ = fresh_member()
    book = add_book(copies=3)
    k = key()
    assert client.post(f"/api/books/{book}/borrow", json={"days": 7}, headers={"Idempotency-Key": k}).status_code == 201
    assert_problem(client.post(f"/api/books/{book}/borrow", json={"days": 8}, headers={"Idempotency-Key": k}), 422,
                   "idempotency-key-reused")
    assert_problem(client.post(f"/api/books/{add_book()}/borrow", json={"days": 7}, headers={"Idempotency-Key": k}), 422)
    assert invariant(book) == (3, 2, 1)


def test_keys_belong_to_their_caller():
    one, _ = fresh_member()
    two, _ = fresh_member()
    book = add_book(copies=2)
    k = key()
    a = one.post(f"/api/books/{book}/borrow", headers={"Idempotency-Key": k})
    b = two.post(f"/api/books/{book}/borrow", headers={"Idempotency-Key": k})
    assert a.status_code == b.status_code == 201
    assert a.json()["data"]["id"] != b.json()["data"]["id"] and "Idempotent-Replayed" not in b.headers
    assert invariant(book) == (2, 0, 2)


def test_bad_keys_are_400():
    client, _ = fresh_member()
    for bad in ["", "x" * 256, "tab\tkey"]:
        assert_problem(client.post("/api/books/1/borrow", headers={"Idempotency-Key": bad}), 400)
    assert_problem(client.post("/api/books/1/borrow", headers={"Idempotency-Key": "a", "X-Idempotency-Key": "b"}), 400)


def test_a_retry_while_the_first_is_running_is_409_then_the_first_response():
    client, _ = fresh_member()
    book = add_book(copies=1)
    k = key()
    holder = subprocess.Popen(
        [os.path.join(ROOT, "deploy", "ctl"), "psql", "-v", "ON_ERROR_STOP=1", "-c",
         f"BEGIN; SELECT id FROM books WHERE id = {book} FOR UPDATE; SELECT pg_sleep(2); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    time.sleep(0.5)
    result = {}
    first = threading.Thread(target=lambda: result.setdefault("first", client.post(
        f"/api/books/{book}/borrow", headers={"Idempotency-Key": k})))
    first.start()
    time.sleep(0.5)  # the first now holds the key and waits for the book's row
    second = client.post(f"/api/books/{book}/borrow", headers={"Idempotency-Key": k})
    assert_problem(second, 409, "idempotency-in-flight")
    assert second.headers["Retry-After"] == "1"
    first.join(30)
    holder.wait(30)
    assert result["first"].status_code == 201, result["first"].text
    third = client.post(f"/api/books/{book}/borrow", headers={"Idempotency-Key": k})
    assert third.status_code == 201 and third.content == result["first"].content
    assert invariant(book) == (1, 0, 1)


def test_a_repeated_delete_reads_as_the_first(admin):
    book = add_book()
    assert admin.request("DELETE", f"/api/books/{book}").status_code == 204
    assert admin.request("DELETE", f"/api/books/{book}").status_code == 204
    assert_problem(admin.get(f"/api/books/{book}"), 404)
    assert_problem(admin.request("DELETE", "/api/books/999999999"), 404)


def test_keys_past_their_retention_start_over_and_are_purged_by_the_runners_purge_job():
    client, email = fresh_member()
    book = add_book(copies=3)
    old, fresh = key(), key()
    assert client.post(f"/api/books/{book}/borrow", json={"days": 7}, headers={"Idempotency-Key": old}).status_code == 201
    assert client.post(f"/api/books/{book}/borrow", json={"days": 7}, headers={"Idempotency-Key": fresh}).status_code == 201
    admin_sql(f"UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = '{old}'")
    # Older than STACKS_IDEMPOTENCY_TTL (24 h): the worker no longer replays it, even before a purge.
    reused = client.post(f"/api/books/{book}/borrow", json={"days": 9}, headers={"Idempotency-Key": old})
    assert reused.status_code == 201 and "Idempotent-Replayed" not in reused.headers
    admin_sql(f"UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = '{old}'")
    # deploy/ctl maintain enqueues a purge_expired job due now and waits until a runner has done it.
    out = subprocess.run([os.path.join(ROOT, "deploy", "ctl"), "maintain"], capture_output=True, text=True, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    assert " done" in out.stdout
    assert admin_sql(f"SELECT count(*) FROM idempotency_keys WHERE key IN ('{old}', '{fresh}')") == ["1"]
    assert admin_sql(f"SELECT key FROM idempotency_keys WHERE key IN ('{old}', '{fresh}')") == [fresh]
