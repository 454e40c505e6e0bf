"""Preferences: GET and PATCH /api/preferences (JSON merge patch), every field validated with a 400
that names it, the loan period used by the very next borrow on whichever worker serves it, and the
webhook signing secret that is shown once and never kept for replay."""
import datetime
import random

import pytest

from conftest import API, BASE_URL, admin_sql, assert_problem, new_key, register


def member():
    email, password = register()
    return API(BASE_URL, new_key(email, password)["api_key"])


def new_book(copies=1):
    isbn = f"97{random.randint(10**10, 10**11 - 1)}"
    return int(admin_sql(f"""WITH b AS (INSERT INTO books (title, author, isbn, year, copies, available_copies)
                                    VALUES ('Prefs {isbn}', 'Tester', '{isbn}', 2020, {copies}, {copies}) RETURNING id)
                            SELECT id FROM b""")[0])


def days_until(iso):
    due = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (due - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 86400


def test_a_new_member_has_the_defaults():
    prefs = member().get("/api/preferences")
    assert prefs.status_code == 200, prefs.text
    assert prefs.json()["data"] == {
        "channels": ["inbox"], "default_loan_days": 14,
        "notices": {"due_soon_days": 2, "hold_available": True, "overdue": True},
        "updated_at": None, "webhook_secret_created_at": None, "webhook_url": None}


def test_a_merge_patch_changes_only_what_it_names_and_null_restores_the_default():
    api = member()
    changed = api.request("PATCH", "/api/preferences", json={"notices": {"due_soon_days": 5}})
    assert changed.status_code == 200, changed.text
    data = changed.json()["data"]
    assert data["notices"] == {"due_soon_days": 5, "hold_available": True, "overdue": True}
    assert data["default_loan_days"] == 14 and data["updated_at"]
    api.request("PATCH", "/api/preferences", json={"notices": {"overdue": False}, "default_loan_days": 3},
                headers={"Content-Type": "application/merge-patch+json"})
    data = api.get("/api/preferences").json()["data"]
    assert data["notices"] == {"due_soon_days": 5, "hold_available": True, "overdue": False}
    assert data["default_loan_days"] == 3
    restored = api.request("PATCH", "/api/preferences", json={"notices": None, "default_loan_days": None}).json()["data"]
    assert restored["notices"] == {"due_soon_days": 2, "hold_available": True, "overdue": True}
    assert restored["default_loan_days"] == 14


@pytest.mark.parametrize("patch, pointer", [
    ({"default_loan_days": 0}, "/default_loan_days"),
    ({"default_loan_days": 31}, "/default_loan_days"),
    ({"default_loan_days": "7"}, "/default_loan_days"),
    ({"default_loan_days": 7.5}, "/default_loan_days"),
    ({"notices": {"due_soon_days": 8}}, "/notices/due_soon_days"),
    ({"notices": {"due_soon_days": -1}}, "/notices/due_soon_days"),
    ({"notices": {"due_soon_days": True}}, "/notices/due_soon_days"),
    ({"notices": {"overdue": "yes"}}, "/notices/overdue"),
    ({"notices": {"hold_available": 1}}, "/notices/hold_available"),
    ({"notices": {"sms": True}}, "/notices/sms"),
    ({"notices": [1]}, "/notices"),
    ({"channels": ["inbox", "sms"]}, "/channels"),
    ({"channels": "webhook"}, "/channels"),
    ({"channels": [1]}, "/channels"),
    ({"channels": ["webhook"]}, "/channels"),
    ({"webhook_url": "ftp://example.com/hook"}, "/webhook_url"),
    ({"webhook_url": "file:///etc/passwd"}, "/webhook_url"),
    ({"webhook_url": "http://user:pw@example.com/"}, "/webhook_url"),
    ({"webhook_url": "http:// example.com/"}, "/webhook_url"),
    ({"webhook_url": "http://"}, "/webhook_url"),
    ({"webhook_url": 42}, "/webhook_url"),
    ({"webhook_url": "https://example.com/" + "a" * 2000}, "/webhook_url"),
    ({"webhook_url": "http://nonexistent.invalid/hook"}, "/webhook_url"),
])
def test_every_bad_value_is_a_400_naming_its_field_and_changes_nothing(patch, pointer):
    api = member()
    before = api.get("/api/preferences").json()["data"]
    body = assert_problem(api.request("PATCH", "/api/preferences", json=patch), 400, "invalid-preferences")
    assert [e["pointer"] for e in body["errors"]] == [pointer], body
    assert api.get("/api/preferences").json()["data"] == before


def test_a_webhook_url_with_an_upper_case_scheme_is_saved_with_a_lower_case_one():
    # The scheme is case-insensitive; the database accepts only the lower-case form, so an
    # "HTTPS://" URL was a 422 with an empty pointer (found by schemathesis).
    api = member()
    saved = api.request("PATCH", "/api/preferences", json={"webhook_url": "HTTPS://127.0.0.1:9/Hook?A=B"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["data"]["webhook_url"] == "https://127.0.0.1:9/Hook?A=B"
    assert api.request("PATCH", "/api/preferences", json={"webhook_url": "Http://127.0.0.1:9/"}).json()["data"]["webhook_url"] \
        == "http://127.0.0.1:9/"


def test_unknown_fields_and_non_objects_are_400():
    api = member()
    assert_problem(api.request("PATCH", "/api/preferences", json={"theme": "dark"}), 400)
    assert_problem(api.request("PATCH", "/api/preferences", json=[1, 2]), 400)
    assert_problem(api.request("PATCH", "/api/preferences", data=b"{", headers={"Content-Type": "application/json"}), 400)
    several = assert_problem(api.request("PATCH", "/api/preferences", json={
        "default_loan_days": 99, "notices": {"due_soon_days": 9}}), 400, "invalid-preferences")
    assert sorted(e["pointer"] for e in several["errors"]) == ["/default_loan_days", "/notices/due_soon_days"]


def test_a_changed_loan_period_is_used_by_the_next_borrow_on_any_worker():
    api = member()
    for days in (3, 21, 7, 30, 1, 12):
        assert api.request("PATCH", "/api/preferences", json={"default_loan_days": days}).status_code == 200
        borrowed = api.post(f"/api/books/{new_book()}/borrow")
        assert borrowed.status_code == 201, borrowed.text
        assert abs(days_until(borrowed.json()["data"]["due_date"]) - days) < 0.01, (days, borrowed.text)
        assert api.post(f"/api/borrows/{borrowed.json()['data']['id']}/return").status_code == 200
    explicit = api.post(f"/api/books/{new_book()}/borrow", json={"days": 5})
    assert abs(days_until(explicit.json()["data"]["due_date"]) - 5) < 0.01


def test_the_webhook_channel_needs_a_url_and_a_secret():
    api = member()
    body = assert_problem(api.request("PATCH", "/api/preferences", json={"channels": ["inbox", "webhook"]}), 400)
    assert "webhook_url" in body["errors"][0]["detail"]
    body = assert_problem(api.request("PATCH", "/api/preferences", json={
        "channels": ["webhook"], "webhook_url": "http://127.0.0.1:9/hook"}), 400)
    assert "webhook-secret" in body["errors"][0]["detail"]
    assert api.post("/api/preferences/webhook-secret").status_code == 201
    on = api.request("PATCH", "/api/preferences", json={"channels": ["webhook"], "webhook_url": "http://127.0.0.1:9/hook"})
    assert on.status_code == 200, on.text
    assert on.json()["data"]["channels"] == ["inbox", "webhook"]
    body = assert_problem(api.request("PATCH", "/api/preferences", json={"webhook_url": None}), 400)
    assert body["errors"][0]["pointer"] == "/channels"
    off = api.request("PATCH", "/api/preferences", json={"channels": None, "webhook_url": None}).json()["data"]
    assert off["channels"] == ["inbox"] and off["webhook_url"] is None


def test_the_signing_secret_is_shown_once_stored_sealed_and_never_replayed():
    api = member()
    key = {"Idempotency-Key": "secret-once"}
    first = api.post("/api/preferences/webhook-secret", headers=key)
    second = api.post("/api/preferences/webhook-secret", headers=key)
    assert first.status_code == second.status_code == 201, first.text
    one, two = first.json()["data"]["secret"], second.json()["data"]["secret"]
    assert one.startswith("whsec_") and two.startswith("whsec_") and one != two
    assert api.get("/api/preferences").json()["data"]["webhook_secret_created_at"] == second.json()["data"]["created_at"]
    # Neither the preferences table nor the idempotency store holds the secret in clear.
    for secret in (one, two):
        assert admin_sql(f"SELECT count(*) FROM member_preferences WHERE webhook_secret_sealed::text LIKE '%{secret[6:]}%' "
                         f"OR position(convert_to('{secret}', 'UTF8') IN webhook_secret_sealed) > 0") == ["0"]
        assert admin_sql(f"SELECT count(*) FROM idempotency_keys WHERE body LIKE '%{secret}%'") == ["0"]


def test_preferences_need_credentials_and_the_write_scope(anon):
    assert_problem(anon.get("/api/preferences"), 401)
    email, password = register()
    reader = API(BASE_URL, new_key(email, password, scopes=["read"])["api_key"])
    assert reader.get("/api/preferences").status_code == 200
    assert_problem(reader.request("PATCH", "/api/preferences", json={"default_loan_days": 3}), 403)
    assert_problem(reader.post("/api/preferences/webhook-secret"), 403)
