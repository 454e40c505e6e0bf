"""Findings of a penetration test, each pinned through nginx in every process mode: guests and
admin, claiming a guest's email, the per-account login backoff, the refresh grace window, the
borrow record route, canonical links, repeated and mistyped headers, text and input bounds."""
import json
import random
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
import requests

from conftest import (API, BASE_URL, admin_sql, age_refresh_use, assert_problem, login, new_key, register,
                      unique_email)


def guest_key(email, **extra):
    """A key from an email alone (the test stack runs in open-key mode)."""
    response = requests.post(f"{BASE_URL}/api/auth/generate-key", json={"email": email, **extra}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def unique_isbn():
    """A random ISBN-13 with a correct check digit."""
    digits = [9, 7, 8] + [random.randrange(10) for _ in range(9)]
    check = (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits + [check]))


def raw_request(request_bytes):
    """Sends bytes as they are to nginx and returns (status, headers as lower-case pairs, body)."""
    url = urlparse(BASE_URL)
    with socket.create_connection((url.hostname, url.port), timeout=30) as conn:
        conn.sendall(request_bytes)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    return int(lines[0].split()[1]), [(name.lower(), value) for name, value in headers], body


# --- 1 and 2: guests of open-key mode ---

def test_a_guest_key_never_carries_admin(anon):
    email = unique_email("guest")
    assert guest_key(email)["scopes"] == ["read", "write"]
    assert_problem(anon.post("/api/auth/generate-key", json={"email": email, "scopes": ["read", "write", "admin"]}), 403)


def test_the_database_refuses_a_librarian_without_a_password():
    email = unique_email("guest")
    guest_key(email)
    with pytest.raises(AssertionError, match="members_librarian_has_password"):
        admin_sql(f"UPDATE members SET role = 'librarian' WHERE email = '{email}'")
    assert admin_sql(f"SELECT role FROM members WHERE email = '{email}'") == ["member"]


def test_registering_a_guest_email_needs_one_of_its_keys(anon):
    email = unique_email("guest")
    first, second = guest_key(email), guest_key(email)
    body = {"email": email, "password": "correct horse battery", "name": "Claimed"}
    refused = assert_problem(anon.post("/api/auth/register", json=body), 409, "guest-account")
    assert "Authorization: Bearer" in refused["detail"]
    stranger = new_key(*register())["api_key"]
    assert_problem(API(BASE_URL, stranger).post("/api/auth/register", json=body), 409, "guest-account")
    assert_problem(API(BASE_URL, "stk_00000000_" + "x" * 43).post("/api/auth/register", json=body), 401)

    claimed = API(BASE_URL, first["api_key"]).post("/api/auth/register", json=body)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["data"]["email"] == email and claimed.json()["data"]["name"] == "Claimed"
    assert API(BASE_URL, first["api_key"]).get("/api/auth/me").status_code == 200
    assert_problem(API(BASE_URL, second["api_key"]).get("/api/auth/me"), 401)
    assert login(email, body["password"])["access_token"]
    # Now a password account: open mode no longer hands out keys for it, and it cannot be claimed again.
    assert_problem(anon.post("/api/auth/generate-key", json={"email": email}), 401)
    assert_problem(API(BASE_URL, first["api_key"]).post("/api/auth/register", json=body), 409, "conflict")


def test_a_read_only_guest_key_cannot_claim_the_email(anon):
    email = unique_email("guest")
    reader = guest_key(email, scopes=["read"])
    body = {"email": email, "password": "correct horse battery", "name": "Claimed"}
    assert_problem(API(BASE_URL, reader["api_key"]).post("/api/auth/register", json=body), 403, "insufficient-scope")


def test_keys_minted_for_a_guest_while_it_is_claimed_do_not_survive_the_claim():
    email = unique_email("guest")
    keeper = guest_key(email)
    first_minted = threading.Event()

    def mint(_):
        minted = []
        for _ in range(15):
            response = requests.post(f"{BASE_URL}/api/auth/generate-key", json={"email": email}, timeout=30)
            assert response.status_code in (201, 401), response.text
            if response.status_code == 201:
                minted.append(response.json()["data"]["api_key"])
                first_minted.set()
        return minted

    with ThreadPoolExecutor(max_workers=3) as pool:
        minting = [pool.submit(mint, n) for n in range(3)]
        first_minted.wait(10)
        claimed = API(BASE_URL, keeper["api_key"]).post("/api/auth/register", json={
            "email": email, "password": "correct horse battery", "name": "Claimed"})
        minted = [key for future in minting for key in future.result()]
    assert claimed.status_code == 200, claimed.text
    live = admin_sql("SELECT count(*) FROM api_keys k JOIN members m ON m.id = k.member_id "
                     f"WHERE m.email = '{email}' AND k.revoked_at IS NULL")
    assert live == ["1"]  # the claimant's own key, and nothing minted from the email alone
    for key in minted:
        assert API(BASE_URL, key).get("/api/auth/me").status_code == 401


# --- 4: brute force ---

def wrong_login(email):
    return requests.post(f"{BASE_URL}/api/auth/login", json={"email": email, "password": "wrong password"}, timeout=30)


def end_lock(email, failed_logins=None):
    """Lets the lock run out now, as if its time had passed (optionally with a given failure count)."""
    count = "" if failed_logins is None else f", failed_logins = {int(failed_logins)}"
    admin_sql(f"UPDATE members SET locked_until = now(){count} WHERE email = '{email}'")


def test_wrong_passwords_lock_the_account_with_429_and_success_resets_the_count():
    email, password = register()
    for _ in range(5):
        assert_problem(wrong_login(email), 401)
    locked = assert_problem(wrong_login(email), 429, "too-many-attempts")
    assert "try again in" in locked["detail"]
    # A long lock (as after many failures): the right password does not get through it, nor generate-key.
    admin_sql(f"UPDATE members SET locked_until = now() + interval '60 seconds' WHERE email = '{email}'")
    right = requests.post(f"{BASE_URL}/api/auth/login", json={"email": email, "password": password}, timeout=30)
    assert_problem(right, 429)
    assert 58 <= int(right.headers["Retry-After"]) <= 60
    assert_problem(requests.post(f"{BASE_URL}/api/auth/generate-key", json={"email": email, "password": password},
                                 timeout=30), 429)
    assert admin_sql(f"SELECT failed_logins FROM members WHERE email = '{email}'") == ["5"]  # refusals are not counted
    end_lock(email)
    assert login(email, password)["access_token"]
    assert admin_sql(f"SELECT failed_logins, locked_until IS NULL FROM members WHERE email = '{email}'") == ["0|t"]
    for _ in range(4):  # the count starts again from zero
        assert_problem(wrong_login(email), 401)


def test_each_further_wrong_password_doubles_the_lock_up_to_15_minutes():
    email, _ = register()
    for _ in range(5):  # generate-key checks passwords too, and counts the same way
        assert_problem(requests.post(f"{BASE_URL}/api/auth/generate-key",
                                     json={"email": email, "password": "wrong password"}, timeout=30), 401)
    waits = []
    for _ in range(3):
        blocked = wrong_login(email)
        assert_problem(blocked, 429)
        waits.append(int(blocked.headers["Retry-After"]))
        end_lock(email)
        assert_problem(wrong_login(email), 401)  # one more guess once the lock ends
    assert waits == [1, 2, 4]
    end_lock(email, failed_logins=100)
    assert_problem(wrong_login(email), 401)
    assert int(wrong_login(email).headers["Retry-After"]) == 900


# --- 5: refresh retries ---

def test_a_refresh_retried_within_the_grace_window_gets_the_same_pair():
    tokens = login(*register())
    first = requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=30)
    assert first.status_code == 200, first.text
    age_refresh_use(tokens["refresh_token"], 29)
    retried = requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=30)
    assert retried.status_code == 200, retried.text
    assert retried.json()["data"]["refresh_token"] == first.json()["data"]["refresh_token"]
    assert retried.json()["data"]["access_token"] == first.json()["data"]["access_token"]
    assert first.headers["Cache-Control"] == "no-store" == retried.headers["Cache-Control"]
    # The session goes on: the successor rotates normally.
    onward = requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": first.json()["data"]["refresh_token"]},
                           timeout=30)
    assert onward.status_code == 200, onward.text
    assert API(BASE_URL, onward.json()["data"]["access_token"]).get("/api/auth/me").status_code == 200


def test_a_refresh_token_reused_after_the_grace_window_revokes_the_session():
    tokens = login(*register())
    first = requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=30)
    assert first.status_code == 200
    age_refresh_use(tokens["refresh_token"], 31)
    assert_problem(requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]},
                                 timeout=30), 401)
    assert_problem(requests.post(f"{BASE_URL}/api/auth/refresh",
                                 json={"refresh_token": first.json()["data"]["refresh_token"]}, timeout=30), 401)
    assert_problem(API(BASE_URL, first.json()["data"]["access_token"]).get("/api/auth/me"), 401)


def test_two_refreshes_of_one_token_at_once_both_get_the_same_pair():
    for _ in range(5):
        tokens = login(*register())
        barrier = threading.Barrier(2)

        def refresh(_):
            barrier.wait()
            return requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]},
                                 timeout=30)

        with ThreadPoolExecutor(max_workers=2) as pool:
            first, second = pool.map(refresh, range(2))
        assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
        assert first.json()["data"]["refresh_token"] == second.json()["data"]["refresh_token"]
        assert API(BASE_URL, first.json()["data"]["access_token"]).get("/api/auth/me").status_code == 200


def test_a_reuse_within_the_window_after_the_successor_was_used_is_theft():
    tokens = login(*register())
    first = requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=30)
    second = requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": first.json()["data"]["refresh_token"]},
                           timeout=30)
    assert second.status_code == 200
    assert_problem(requests.post(f"{BASE_URL}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]},
                                 timeout=30), 401)
    assert_problem(API(BASE_URL, second.json()["data"]["access_token"]).get("/api/auth/me"), 401)


# --- 6: headers and links ---

def test_the_borrow_location_is_a_route_for_its_owner_and_librarians(api, admin, anon):
    book = admin.post("/api/books", json={"title": "Location Test", "author": "A. Author", "isbn": unique_isbn(),
                                          "year": 2001, "copies": 1})
    assert book.status_code == 201, book.text
    book_id = book.json()["data"]["id"]
    borrowed = api.post(f"/api/books/{book_id}/borrow", json={})
    assert borrowed.status_code == 201, borrowed.text
    location = borrowed.headers["Location"]
    shown = api.get(location)
    assert shown.status_code == 200 and shown.json()["data"] == borrowed.json()["data"]
    assert admin.get(location).json()["data"]["id"] == borrowed.json()["data"]["id"]
    other = API(BASE_URL, new_key(*register())["api_key"])
    assert_problem(other.get(location), 404)
    assert_problem(anon.get(location), 401)
    assert api.post(f"{location}/return").status_code == 200


def test_links_are_built_from_the_canonical_path(api):
    response = api.get("//api//books/?limit=1")
    assert response.status_code == 200, response.text
    assert response.headers["Link"].startswith("</api/books?limit=1&cursor="), response.headers["Link"]


def test_a_generated_key_is_not_stored_by_caches():
    response = requests.post(f"{BASE_URL}/api/auth/generate-key", json={"email": unique_email("guest")}, timeout=30)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", ["Idempotency-Key", "X-Idempotency-Key", "Authorization", "Content-Type"])
def test_two_copies_of_a_single_header_are_400(member_key, name):
    values = {"Authorization": [f"Bearer {member_key}", "Bearer other"], "Content-Type": ["application/json", "text/plain"]}
    first, second = values.get(name, ["key-a", "key-b"])
    headers = {"Authorization": f"Bearer {member_key}", "Content-Type": "application/json"}
    headers.pop(name, None)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (f"POST /api/auth/logout HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{head}"
               f"{name}: {first}\r\n{name}: {second}\r\nContent-Length: 2\r\n\r\n{{}}").encode()
    status, response_headers, body = raw_request(request)
    assert status == 400, body
    problem = json.loads(body)
    assert problem["type"] == "urn:stacks:problem:bad-request"
    if name != "Authorization":  # nginx refuses a second Authorization itself; the worker names the others
        assert name in problem["detail"]


def test_a_media_type_that_only_starts_with_json_is_415(api):
    response = api.post("/api/books/1/borrow", data="{}", headers={"Content-Type": "application/jsonfoo"})
    assert_problem(response, 415)
    ok = api.post("/api/auth/generate-key", data="{}", headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert ok.status_code != 415


# --- 7: input and output bounds ---

@pytest.mark.parametrize("title, detail", [("\n", "blank"), (" \t\r\n ", "blank"), ("Bad\u0007Bell", "control"),
                                            ("Two\nlines", "control"), ("Sep\u2028arated", "control")])
def test_titles_refuse_control_characters_and_blanks(admin, title, detail):
    body = {"title": title, "author": "A. Author", "isbn": "9780306406157", "year": 2001}
    problem = assert_problem(admin.post("/api/books", json=body), 422, "validation")
    assert [e["pointer"] for e in problem["errors"]] == ["/title"] and detail in problem["errors"][0]["detail"]
    problem = assert_problem(admin.post("/api/books", json={**body, "title": "Fine", "author": title}), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/author"]


@pytest.mark.parametrize("name", ["\n", "\u001b[31mred", "  "])
def test_names_and_borrower_names_refuse_control_characters_and_blanks(anon, api, name):
    problem = assert_problem(anon.post("/api/auth/register", json={"email": unique_email(), "password": "long enough",
                                                                    "name": name}), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/name"]
    problem = assert_problem(api.post("/api/books/1/borrow", json={"borrower_name": name}), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/borrower_name"]


def test_titles_are_trimmed_of_line_breaks_at_the_ends(admin):
    response = admin.post("/api/books", json={"title": "\n Trimmed Title \n", "author": "A. Author\t",
                                              "isbn": unique_isbn(), "year": 1988})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["title"] == "Trimmed Title" and response.json()["data"]["author"] == "A. Author"


def test_thousands_of_unknown_fields_get_a_short_answer(anon):
    fields = {f"field{i}": 1 for i in range(3000)}
    response = anon.post("/api/auth/register", json={"email": unique_email(), "password": "long enough", "name": "A",
                                                     **fields})
    problem = assert_problem(response, 400, "bad-request")
    assert len(response.content) < 1000
    assert "'field0'" in problem["detail"] and "and 2995 more" in problem["detail"]


@pytest.mark.parametrize("target", [b"/api/books?q=caf\xe9", b"/api/books?q=\xff", b"/api/books/\xc3\x28"])
def test_invalid_utf8_in_the_request_line_is_400(member_key, target):
    request = (b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
               + f"Authorization: Bearer {member_key}\r\n\r\n".encode())
    status, headers, body = raw_request(request)
    assert status == 400, body
    assert json.loads(body)["type"] == "urn:stacks:problem:bad-request"
