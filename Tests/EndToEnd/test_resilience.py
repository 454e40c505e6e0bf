"""The process model under stress: PostgreSQL going away and coming back, SIGTERM mid-request,
a worker killed outright. Workers must keep running and recover without a restart."""
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import MODE, admin_sql, assert_problem, configured_workers, ctl, stack_setting, stack_worker_pids


def worker_pids():
    return sorted(int(pid) for pid in ctl("worker-pids").split())


def wait_until(predicate, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_database_down_gives_503_with_retry_after_and_recovers_without_restarts(api):
    assert api.get("/api/books?limit=1").status_code == 200
    before = worker_pids() if MODE == "pooled" else None
    ctl("pg-stop")
    try:
        for _ in range(6):  # enough to reach every worker of both pools
            response = api.get("/api/books?limit=1")
            body = assert_problem(response, 503, "service-unavailable")
            assert response.headers["Retry-After"] == "1"
            assert "database" in body["detail"]
        assert_problem(api.get("/api/health/ready"), 503)
        assert api.get("/api/health").status_code == 200  # liveness needs no database
        if MODE == "pooled":
            assert worker_pids() == before, "a worker exited while the database was down"
    finally:
        ctl("pg-start")
    assert wait_until(lambda: api.get("/api/health/ready").status_code == 200)
    for _ in range(6):
        assert api.get("/api/books?limit=1").status_code == 200
    if MODE == "pooled":
        assert worker_pids() == before, "workers were restarted to reconnect"


NO_WORKERS_IN_CGI = "under fcgiwrap each request is its own process: there is no long-lived worker to signal or kill"


def test_cgi_mode_has_no_long_lived_workers(api):
    if MODE != "cgi":
        pytest.skip("pooled and recycled modes run long-lived workers; the tests below signal and kill them")
    assert ctl("worker-pids", check=False).split() == []
    assert api.get("/api/books?limit=1").status_code == 200


@pytest.mark.skipif(MODE == "cgi", reason=NO_WORKERS_IN_CGI)
def test_sigterm_lets_the_request_in_hand_finish(api):
    # Hold a lock so that the next catalog read blocks inside a worker.
    holder = subprocess.Popen(
        [os.path.join(os.environ.get("STACKS_ROOT", "."), "deploy", "ctl"), "psql", "-v", "ON_ERROR_STOP=1", "-c",
         "BEGIN; LOCK TABLE books IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    assert wait_until(lambda: admin_sql(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = 'books' AND l.mode = 'AccessExclusiveLock' AND l.granted")[0] == "1", 10)
    result = {}

    def read():
        result["response"] = api.get("/api/books?limit=3")

    reader = threading.Thread(target=read)
    reader.start()
    assert wait_until(lambda: admin_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'stacks-fcgi' AND wait_event_type = 'Lock'")[0] == "1", 10)
    blocked_before = worker_pids()
    for pid in blocked_before:
        os.kill(pid, signal.SIGTERM)
    reader.join(30)
    holder.wait(30)
    response = result["response"]
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 3
    # Every signalled worker exited (multiwatch starts new ones); the stack keeps serving.
    assert wait_until(lambda: not set(blocked_before) & set(worker_pids()))
    assert wait_until(lambda: api.get("/api/health").status_code == 200)


@pytest.mark.skipif(MODE == "cgi", reason=NO_WORKERS_IN_CGI)
def test_a_killed_worker_is_replaced_and_nothing_else_notices(api):
    victims = worker_pids()
    os.kill(victims[0], signal.SIGKILL)
    assert wait_until(lambda: victims[0] not in worker_pids() and len(worker_pids()) == configured_workers())
    for _ in range(10):
        assert api.get("/api/books?limit=1").status_code == 200


def test_a_killed_workers_locks_go_while_the_blocker_still_holds_its_own(api, admin):
    """client_connection_check_interval: PostgreSQL notices the dead client mid-statement and rolls
    its transaction back, long before the lock it waits behind is released."""
    book = api.get("/api/books?limit=1&sort=-id").json()["data"][0]["id"]
    holder = subprocess.Popen(
        [os.path.join(os.environ.get("STACKS_ROOT", "."), "deploy", "ctl"), "psql", "-v", "ON_ERROR_STOP=1", "-c",
         f"BEGIN; SELECT id FROM books WHERE id = {book} FOR UPDATE; SELECT pg_sleep(8); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    waiting = ("SELECT pid FROM pg_stat_activity WHERE application_name = 'stacks-fcgi' "
               "AND wait_event_type = 'Lock' AND state = 'active'")
    time.sleep(0.5)
    reader = threading.Thread(target=lambda: admin.request("PATCH", f"/api/books/{book}", json={"year": 2001}))
    reader.start()
    assert wait_until(lambda: len(admin_sql(waiting)) == 1, 5), "the worker never blocked on the row lock"
    backend = admin_sql(waiting)[0]
    for pid in stack_worker_pids():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # Well inside the 5 s statement_timeout, which would also end the wait, but later.
    assert wait_until(lambda: backend not in admin_sql("SELECT pid FROM pg_stat_activity"), 3)
    assert holder.poll() is None, "the backend only went because the blocker finished"
    holder.wait(30)
    reader.join(30)
    assert wait_until(lambda: api.get("/api/health").status_code == 200)


def test_a_request_held_past_the_statement_timeout_is_a_503_with_retry_after_and_writes_nothing(api):
    """Every statement of a request runs under STACKS_STATEMENT_TIMEOUT_MS: a borrow waiting on a book's
    row lock that another session keeps is cancelled by PostgreSQL, answered 503, and leaves no loan."""
    timeout = int(stack_setting("STACKS_STATEMENT_TIMEOUT_MS", "5000")) / 1000
    book = api.get("/api/books?available=true&limit=1&sort=-id").json()["data"][0]["id"]
    loans_before = api.get("/api/borrows?status=active").json()["data"]
    holder = subprocess.Popen(
        [os.path.join(os.environ.get("STACKS_ROOT", "."), "deploy", "ctl"), "psql", "-v", "ON_ERROR_STOP=1", "-c",
         f"BEGIN; SELECT id FROM books WHERE id = {book} FOR UPDATE; SELECT pg_sleep({timeout + 3}); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        time.sleep(0.5)
        started = time.monotonic()
        response = api.post(f"/api/books/{book}/borrow", json={})
        waited = time.monotonic() - started
        assert_problem(response, 503, "service-unavailable")
        assert response.headers["Retry-After"] == "1"
        assert timeout - 1 < waited < timeout + 2, waited
        assert api.get("/api/borrows?status=active").json()["data"] == loans_before
    finally:
        holder.wait(30)
