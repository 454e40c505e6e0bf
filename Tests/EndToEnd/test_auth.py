"""Stateless authentication through nginx: registration, API keys, JWT access tokens with
rotation and revocation, refresh with theft detection, scopes, and the demo client's flow."""
import os
import re

import pytest
import requests

from conftest import API, BASE_URL, admin_sql, age_refresh_use, assert_problem, login, make_librarian, new_key, register, run_cgi, unique_email
from tokens import b64, claims_of, fresh_claims, header_of, sign, stack_keys


def bearer(token):
    return API(BASE_URL, token)


def assert_401(response, invalid_token=True):
    assert_problem(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) == invalid_token


# --- members ---

def test_register_normalises_the_email_and_refuses_a_duplicate(anon):
    email = unique_email().upper()
    response = anon.post("/api/auth/register", json={"email": email, "password": "long enough", "name": "Ada"})
    assert response.status_code == 201, response.text
    member = response.json()["data"]
    assert member["email"] == email.lower()
    assert member["role"] == "member"
    assert "password" not in response.text and "argon2" not in response.text
    again = anon.post("/api/auth/register", json={"email": email.lower(), "password": "long enough", "name": "Ada"})
    assert_problem(again, 409, "conflict")
    stored = admin_sql(f"SELECT password_hash FROM members WHERE email = '{email.lower()}'")[0]
    assert re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),", stored)
    memory, passes = map(int, re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),", stored).groups())
    assert memory >= 19456 and passes >= 2


@pytest.mark.parametrize("body, pointer", [
    ({"email": "not-an-email", "password": "long enough", "name": "A"}, "/email"),
    ({"email": "a@example.org", "password": "short", "name": "A"}, "/password"),
    ({"email": "a@example.org", "password": "x" * 1025, "name": "A"}, "/password"),
    ({"email": "a@example.org", "password": "long enough", "name": ""}, "/name"),
    ({"email": "a@example.org", "password": "long enough"}, "/name"),
    ({"email": "a@example.org", "password": 12345678, "name": "A"}, "/password"),
])
def test_register_validates_with_pointers(anon, body, pointer):
    body = assert_problem(anon.post("/api/auth/register", json=body), 422, "validation")
    assert pointer in [error["pointer"] for error in body["errors"]]


@pytest.mark.parametrize("raw", [b"{", b'{"email": "a@b.c", "email": "d@e.f", "password": "long enough", "name": "A"}',
                                 b'{"email": "a@b.c\\u0000", "password": "long enough", "name": "A"}',
                                 b'{"email": "a@b.c", "password": "long enough", "name": "A", "admin": true}',
                                 b"[" * 40 + b"]" * 40])
def test_bad_json_bodies_are_400(anon, raw):
    response = anon.post("/api/auth/register", data=raw, headers={"Content-Type": "application/json"})
    assert_problem(response, 400, "bad-request")


def test_a_body_that_is_not_json_is_415(anon):
    response = anon.post("/api/auth/register", data="email=a", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(response, 415)


def weak_argon2id(password):
    """An argon2id hash below OWASP's parameters (m = 8 MiB, t = 1), made with the system's libsodium."""
    import ctypes
    sodium = ctypes.CDLL("libsodium.so.23")
    assert sodium.sodium_init() >= 0
    out = ctypes.create_string_buffer(128)
    secret = password.encode()
    status = sodium.crypto_pwhash_str_alg(out, secret, ctypes.c_ulonglong(len(secret)), ctypes.c_ulonglong(1),
                                          ctypes.c_size_t(8 * 1024 * 1024), ctypes.c_int(2))
    assert status == 0
    return out.value.decode()


def test_a_login_rehashes_a_password_stored_with_weaker_parameters(anon):
    email, password = register()
    weak = weak_argon2id(password)
    assert weak.startswith("$argon2id$v=19$m=8192,t=1,")
    admin_sql(f"UPDATE members SET password_hash = '{weak}' WHERE email = '{email}'")
    login(email, password)
    stored = admin_sql(f"SELECT password_hash FROM members WHERE email = '{email}'")[0]
    assert stored != weak
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,")
    login(email, password)  # and the new hash verifies


# --- API keys ---

def test_the_demo_flow_in_open_mode(anon):
    email = unique_email("demo")
    response = anon.post("/api/auth/generate-key", json={"email": email})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["success"] is True
    key = body["data"]["api_key"]
    assert body["data"]["email"] == email
    assert len(key) >= 43 and re.fullmatch(r"stk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)
    assert key.startswith(body["data"]["prefix"])
    books = bearer(key).get("/api/books")
    assert books.status_code == 200 and books.json()["data"]
    missing = anon.get("/api/books")
    problem = assert_problem(missing, 401, "unauthorized")
    assert "API key required" in problem["message"]
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="stacks"'
    second_client = requests.get(f"{BASE_URL}/api/books?limit=1", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert second_client.status_code == 200
    stored = admin_sql(f"SELECT key_hash FROM api_keys WHERE id = {body['data']['key_id']}")[0]
    assert key not in stored and len(stored) == 64


def test_a_password_protects_key_generation(anon):
    email, password = register()
    assert_problem(anon.post("/api/auth/generate-key", json={"email": email}), 401)
    assert_problem(anon.post("/api/auth/generate-key", json={"email": email, "password": "wrong password"}), 401)
    key = new_key(email, password, label="laptop")
    assert key["scopes"] == ["read", "write"]


def test_a_caller_mints_keys_for_itself_with_at_most_its_scopes(anon):
    email, password = register()
    client = bearer(new_key(email, password)["api_key"])
    more = client.post("/api/auth/generate-key", json={"email": email, "label": "ci", "scopes": ["read"]})
    assert more.status_code == 201, more.text
    assert more.json()["data"]["scopes"] == ["read"]
    assert_problem(client.post("/api/auth/generate-key", json={"email": email, "scopes": ["read", "admin"]}), 403)
    assert_problem(client.post("/api/auth/generate-key", json={"email": unique_email()}), 403)
    # A read-only key can neither copy itself nor revoke its siblings.
    reader = bearer(more.json()["data"]["api_key"])
    assert_problem(reader.post("/api/auth/generate-key", json={"email": email}), 403, "insufficient-scope")
    assert_problem(reader.request("DELETE", f"/api/auth/keys/{more.json()['data']['key_id']}"), 403)


def test_lists_and_revokes_keys_and_a_revoked_key_fails_on_every_pool_next(anon):
    email, password = register()
    keep = new_key(email, password, label="keep")
    drop = new_key(email, password, label="drop")
    client = bearer(keep["api_key"])
    listed = client.get("/api/auth/keys").json()["data"]
    assert [k["label"] for k in listed] == ["drop", "keep"]
    assert all("api_key" not in k for k in listed)
    dropped = bearer(drop["api_key"])
    for _ in range(4):
        assert dropped.get("/api/auth/me").status_code == 200
    assert client.request("DELETE", f"/api/auth/keys/{drop['key_id']}").status_code == 204
    for _ in range(8):  # round-robin over both pools: every worker refuses it at once
        assert_401(dropped.get("/api/auth/me"))
    assert [k["revoked"] for k in client.get("/api/auth/keys").json()["data"]] == [True, False]
    someone_else = new_key(*register())
    assert_problem(client.request("DELETE", f"/api/auth/keys/{someone_else['key_id']}"), 404)


def test_open_keys_do_not_take_over_a_password_account(anon):
    email, _ = register()
    assert_problem(anon.post("/api/auth/generate-key", json={"email": email}), 401)


# --- tokens ---

def test_login_refresh_rotation_and_theft_detection(anon):
    email, password = register()
    assert_problem(anon.post("/api/auth/login", json={"email": email, "password": "wrong password"}), 401)
    assert_problem(anon.post("/api/auth/login", json={"email": unique_email(), "password": "whatever pw"}), 401)
    tokens = login(email, password)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    header, claims = header_of(tokens["access_token"]), claims_of(tokens["access_token"])
    assert header["alg"] == "HS256" and header["typ"] == "JWT" and header["kid"] == stack_keys()[0][0]
    assert set(claims) >= {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "scope", "role"}
    assert claims["exp"] - claims["iat"] == 900
    me = bearer(tokens["access_token"]).get("/api/auth/me").json()["data"]
    assert me["email"] == email and me["authenticated_with"] == "access_token"

    rotated = anon.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()["data"]
    assert second["refresh_token"] != tokens["refresh_token"]
    # the old refresh token is spent; presented again after the grace window, it revokes the whole family
    age_refresh_use(tokens["refresh_token"], 31)
    assert_problem(anon.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
    assert_problem(anon.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)
    assert_problem(anon.post("/api/auth/refresh", json={"refresh_token": "rt_" + "x" * 43}), 401)


def test_logout_revokes_the_access_token_and_its_refresh_family(anon):
    email, password = register()
    tokens = login(email, password)
    client = bearer(tokens["access_token"])
    assert client.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/logout").status_code == 204
    for _ in range(4):
        assert_401(client.get("/api/auth/me"))
    assert_problem(anon.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)


def test_logout_ends_every_access_token_of_the_session(anon):
    email, password = register()
    tokens = login(email, password)
    rotated = anon.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()["data"]
    older, newer = bearer(tokens["access_token"]), bearer(rotated["access_token"])
    assert older.get("/api/auth/me").status_code == 200 and newer.get("/api/auth/me").status_code == 200
    assert newer.post("/api/auth/logout").status_code == 204
    assert_401(older.get("/api/auth/me"))
    assert_401(newer.get("/api/auth/me"))
    other_session = bearer(login(email, password)["access_token"])
    assert other_session.get("/api/auth/me").status_code == 200


def test_scopes_are_enforced_by_the_route_table(anon, admin):
    email, password = register()
    reader = bearer(new_key(email, password, scopes=["read"])["api_key"])
    assert reader.get("/api/books?limit=1").status_code == 200
    member = bearer(new_key(email, password)["api_key"])
    denied = member.post("/api/books", json={"title": "T", "author": "A", "isbn": "0306406152", "year": 1970})
    assert_problem(denied, 403, "insufficient-scope")
    assert 'error="insufficient_scope"' in denied.headers["WWW-Authenticate"]


# --- the attack list: each is refused while a valid token still works ---

@pytest.fixture(scope="module")
def valid_token():
    email, password = register()
    return login(email, password)["access_token"]


def forged(valid, kind):
    keys = stack_keys()
    kid, secret = keys[0]
    claims = fresh_claims(claims_of(valid))
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = lambda h, c: b64(__import__("json").dumps(h).encode()) + "." + b64(__import__("json").dumps(c).encode())
    if kind.startswith("alg-none"):
        alg = kind.split(":")[1]
        return signing_input(dict(header, alg=alg), claims) + "."
    if kind == "empty-signature":
        return valid.rsplit(".", 1)[0] + "."
    if kind == "stripped-signature":
        return valid.rsplit(".", 1)[0]
    if kind == "hs512-same-secret":
        import hashlib
        return sign(dict(header, alg="HS512"), claims, secret, hashlib.sha512)
    if kind == "rs256-header-same-secret":
        return sign(dict(header, alg="RS256"), claims, secret)
    if kind == "unknown-kid":
        return sign(dict(header, kid="zz"), claims, secret)
    if kind.startswith("kid-injection"):
        return sign(dict(header, kid=kind.split(":", 1)[1]), claims, secret)
    if kind == "retired-key":
        return sign(dict(header, kid="t0"), claims, "retired-secret-retired-secret-retired!!")
    if kind == "wrong-secret-known-kid":
        return sign(header, claims, "not-the-secret-not-the-secret-not-the-secret")
    if kind == "expired":
        return sign(header, dict(claims, exp=claims["iat"] - 120, nbf=claims["iat"] - 1000, iat=claims["iat"] - 1000), secret)
    if kind == "not-yet-valid":
        return sign(header, dict(claims, nbf=claims["iat"] + 600, exp=claims["iat"] + 1200), secret)
    if kind == "wrong-aud":
        return sign(header, dict(claims, aud="someone-else"), secret)
    if kind == "wrong-iss":
        return sign(header, dict(claims, iss="evil"), secret)
    if kind == "tampered-payload":
        head, _, signature = valid.split(".")
        return head + "." + b64(__import__("json").dumps(dict(claims_of(valid), scope="read write admin", role="librarian")).encode()) + "." + signature
    if kind == "typ-not-jwt":
        return sign(dict(header, typ="at+jwt+evil"), claims, secret)
    raise AssertionError(kind)


ATTACKS = ["alg-none:none", "alg-none:None", "alg-none:NONE", "alg-none:nOnE", "empty-signature", "stripped-signature",
           "hs512-same-secret", "rs256-header-same-secret", "unknown-kid", "kid-injection:../../etc/passwd",
           "kid-injection:' OR '1'='1", "retired-key", "wrong-secret-known-kid", "expired", "not-yet-valid", "wrong-aud",
           "wrong-iss", "tampered-payload", "typ-not-jwt"]


@pytest.mark.parametrize("kind", ATTACKS)
def test_attack_is_refused_while_the_valid_token_works(valid_token, kind):
    assert bearer(valid_token).get("/api/auth/me").status_code == 200
    assert_401(bearer(forged(valid_token, kind)).get("/api/auth/me"))
    assert bearer(valid_token).get("/api/auth/me").status_code == 200


def test_a_refresh_token_is_not_an_access_token(anon):
    tokens = login(*register())
    assert_401(bearer(tokens["refresh_token"]).get("/api/auth/me"))


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a.b", "Token abc", "Bearer stk_nope"])
def test_malformed_authorization_is_401(anon, header):
    response = anon.get("/api/auth/me", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_signed_with_the_second_key_still_verifies_during_rotation(valid_token):
    keys = stack_keys()
    assert len(keys) >= 2, "deploy/test configures two keys"
    kid, secret = keys[1]
    old = sign({"alg": "HS256", "typ": "JWT", "kid": kid}, fresh_claims(claims_of(valid_token)), secret)
    assert bearer(old).get("/api/auth/me").status_code == 200


# --- secrets stay out of logs ---

def test_no_password_key_or_token_reaches_a_log(anon):
    email, password = register(password="a distinctive passphrase 7431")
    key = new_key(email, password)["api_key"]
    tokens = login(email, password)
    bearer(key).get("/api/books?limit=1")
    bearer(tokens["access_token"]).get("/api/auth/me")
    log_dir = os.path.join(os.environ["STACKS_HOME"], "log")
    text = ""
    for name in os.listdir(log_dir):
        with open(os.path.join(log_dir, name), errors="replace") as log:
            text += log.read()
    assert len(text) > 1000
    for secret in [password, key, key.split("_", 2)[2], tokens["access_token"], tokens["refresh_token"]]:
        assert secret not in text


# --- closed mode, run as plain CGI with the stack's own settings but STACKS_OPEN_KEYS=false ---

def test_closed_mode_refuses_keys_for_unknown_emails():
    body = ('{"email": "%s"}' % unique_email("closed")).encode()
    closed = run_cgi("POST", "/api/auth/generate-key", body, settings={"STACKS_OPEN_KEYS": "false"})
    assert closed.status == 401, closed.payload
    assert b"register first" in closed.payload
    assert run_cgi("POST", "/api/auth/generate-key", body, settings={"STACKS_OPEN_KEYS": "true"}).status == 201


# --- an access token's database check rides with the handler's first statement (migration 007) ---

def test_a_logged_out_token_borrows_nothing(api):
    email, password = register()
    client = bearer(login(email, password)["access_token"])
    book = api.get("/api/books?available=true&limit=1").json()["data"][0]
    before = admin_sql(f"SELECT count(*) FROM loans l JOIN members m ON m.id = l.member_id WHERE m.email = '{email}'")
    assert client.post("/api/auth/logout").status_code == 204
    for _ in range(4):
        assert_401(client.post(f"/api/books/{book['id']}/borrow", json={"days": 7}))
        assert_401(client.get(f"/api/books/{book['id']}"))
    after = admin_sql(f"SELECT count(*) FROM loans l JOIN members m ON m.id = l.member_id WHERE m.email = '{email}'")
    assert before == after == ["0"]
    assert api.get(f"/api/books/{book['id']}").json()["data"]["available_copies"] == book["available_copies"]


def test_a_demoted_librarians_token_keeps_reading_and_loses_admin_at_once(anon):
    email, password = register()
    make_librarian(email)
    client = bearer(login(email, password)["access_token"])
    isbn = "9780306406157"
    admin_sql(f"DELETE FROM books WHERE isbn = '{isbn}'")
    admin_sql(f"UPDATE members SET role = 'member' WHERE email = '{email}'")
    for _ in range(4):
        denied = client.post("/api/books", json={"title": "Demoted", "author": "A", "isbn": isbn, "year": 1970})
        assert_problem(denied, 403, "insufficient-scope")
        assert client.get("/api/books?limit=1").status_code == 200
        assert client.get("/api/auth/me").json()["data"]["role"] == "member"
    assert admin_sql(f"SELECT count(*) FROM books WHERE isbn = '{isbn}'") == ["0"]


def test_a_deleted_members_token_is_refused(anon):
    email, password = register()
    client = bearer(login(email, password)["access_token"])
    assert client.get("/api/books?limit=1").status_code == 200
    admin_sql(f"DELETE FROM members WHERE email = '{email}'")
    for _ in range(4):
        assert_401(client.get("/api/books?limit=1"))
        assert_401(client.get("/api/auth/me"))
