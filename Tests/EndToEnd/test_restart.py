"""Credentials survive a full restart: deploy/test stops nginx, every worker and PostgreSQL
between process modes. Each mode checks what the previous one issued, then issues its own."""
import json
import os

from conftest import API, BASE_URL, MODE, login, new_key, register

# Inside the test stack's state folder, which deploy/test empties at the start of every run.
CARRY = os.path.join(os.environ.get("STACKS_HOME", "."), "restart-carry.json")
ORDER = ["pooled", "recycled", "cgi"]


def test_keys_and_tokens_issued_before_a_full_restart_still_work(anon):
    previous = ORDER[ORDER.index(MODE) - 1] if MODE in ORDER and ORDER.index(MODE) > 0 else None
    if previous:
        with open(CARRY) as carried_file:
            carried = json.load(carried_file)
        assert carried["mode"] == previous, "the previous mode did not leave its credentials"
        assert API(BASE_URL, carried["api_key"]).get("/api/auth/me").json()["data"]["email"] == carried["email"]
        assert API(BASE_URL, carried["access_token"]).get("/api/auth/me").json()["data"]["email"] == carried["email"]
        refreshed = anon.post("/api/auth/refresh", json={"refresh_token": carried["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
    email, password = register()
    tokens = login(email, password)
    carried = {"mode": MODE, "email": email, "api_key": new_key(email, password)["api_key"],
               "access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    assert API(BASE_URL, carried["api_key"]).get("/api/auth/me").status_code == 200
    with open(CARRY, "w") as carry_file:
        json.dump(carried, carry_file)
