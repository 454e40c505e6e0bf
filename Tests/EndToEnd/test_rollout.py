"""Rolling deploy: deploy/rollout replaces the running workers while more readers and writers than
there are workers keep the stack busy, twice (with a binary, then without one). Every second the books
table is locked for one, so that requests wait in the pools' accept queues as a switch happens (a
pool stopped before its queue is empty resets them). Every response is counted and none may be
other than 2xx, nor may nginx have retried one on another pool; afterwards every worker is a new
process, the pools and workers are as many as before, and the database holds exactly the
acknowledged loans."""
import glob
import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter

import requests

from conftest import API, BASE_URL, MODE, ROOT, admin_sql, ctl, processes_in_groups, stack_setting, stored_loans, wait_for
from test_loans import add_book, fresh_member

READERS, WRITERS = 4, 3
RUN = os.path.join(os.environ.get("STACKS_HOME", "."), "run")


def rollout(*binary):
    """Runs deploy/rollout against the stack under test; returns its output and how long it took."""
    started = time.monotonic()
    result = subprocess.run([os.path.join(ROOT, "deploy", "rollout"), *binary], capture_output=True, text=True,
                            env=os.environ.copy(), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr, time.monotonic() - started


def read_load(stop, statuses, client, book):
    """Reads the catalog and one book until `stop`, counting every answer (or failure) in `statuses`."""
    session = client.session
    paths = ["/api/books?limit=5", f"/api/books/{book}", "/api/health"]
    n = 0
    while not stop.is_set():
        try:
            statuses[session.get(BASE_URL + paths[n % len(paths)], timeout=30).status_code] += 1
        except requests.RequestException as error:
            statuses[type(error).__name__] += 1
        n += 1


def write_load(stop, statuses, client, book, borrowed, returned):
    """Borrows and returns the book, each with an idempotency key and no retry, until `stop`."""
    def post(path, want):
        try:
            response = client.post(path, headers={"Idempotency-Key": "rollout-" + uuid.uuid4().hex})
        except requests.RequestException as error:
            statuses[type(error).__name__] += 1
            return None
        statuses[response.status_code] += 1
        return response.json()["data"] if response.status_code == want else None

    while not stop.is_set():
        loan = post(f"/api/books/{book}/borrow", 201)
        if loan is None:
            continue
        borrowed.append(loan["id"])
        if post(f"/api/borrows/{loan['id']}/return", 200) is not None:
            returned.append(loan["id"])


def lock_storm(stop, windows):
    """Holds the books table locked for 1 s, then lets go for 0.5 s, until `stop`: every request that
    reads or writes a book waits, and those behind it wait in an accept queue."""
    while not stop.is_set():
        admin_sql("BEGIN; LOCK TABLE books IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1); COMMIT;")
        windows.append(1)
        stop.wait(0.5)


def nginx_retries(offset):
    """Access-log lines from `offset` on that nginx answered with 5xx or sent to more than one pool."""
    with open(os.path.join(os.environ["STACKS_HOME"], "log", "access.log"), "rb") as log:
        log.seek(offset)
        lines = [json.loads(line) for line in log.read().decode().splitlines() if line.startswith("{")]
    return len(lines), [line for line in lines if "," in line["upstream_status"] or line["status"] >= 500]


def running(pid):
    """Whether process `pid` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cgi_processes_running(path):
    """Whether a CGI process of the stack runs the file `path` (its executable, links resolved)."""
    for pid in processes_in_groups("stacks-fcgi", ("cgi.pid",)):
        try:
            if os.readlink(f"/proc/{pid}/exe") == path:
                return True
        except OSError:
            pass
    return False


def test_a_rollout_under_load_fails_no_request_and_replaces_every_worker():
    binary = os.environ.get("STACKS_TEST_BIN") or stack_setting("STACKS_BIN", "")
    workers = int(stack_setting("STACKS_WORKERS", "2"))
    pools_before = ctl("pool-pids").split()
    workers_before = set(ctl("worker-pids").split())
    runners_before = set(ctl("runner-pids").split())
    fcgiwrap_before = open(os.path.join(RUN, "cgi.pid")).read().strip() if MODE == "cgi" else None
    writers = [fresh_member() + (add_book(copies=2),) for _ in range(WRITERS)]
    read_book = add_book(copies=1)
    time.sleep(1.2)  # nginx flushes its access log every second: what is logged from here on is ours
    log_offset = os.path.getsize(os.path.join(os.environ["STACKS_HOME"], "log", "access.log"))

    stop, statuses, windows = threading.Event(), Counter(), []
    borrowed = [[] for _ in writers]
    returned = [[] for _ in writers]
    threads = [threading.Thread(target=read_load, args=(stop, statuses, fresh_member()[0], read_book))
               for _ in range(READERS)]
    threads += [threading.Thread(target=write_load, args=(stop, statuses, client, book, borrowed[i], returned[i]))
                for i, (client, _, book) in enumerate(writers)]
    threads.append(threading.Thread(target=lock_storm, args=(stop, windows)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        first_output, first = rollout(binary)
        installed = os.path.realpath(os.path.join(os.environ["STACKS_HOME"], "bin", "stacks-fcgi"))
        if MODE == "cgi":
            wait_for(lambda: cgi_processes_running(installed), 10, f"a CGI process running {installed}")
        time.sleep(2)
        second_output, second = rollout()
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    duration = time.monotonic() - started
    requests_made = sum(statuses.values())
    time.sleep(1.5)
    logged, retried = nginx_retries(log_offset)
    print(f"\nrollout ({MODE}): {requests_made} requests in {duration:.1f} s ({requests_made / duration:.0f}/s), "
          f"{sum(map(len, borrowed))} borrows, {sum(map(len, returned))} returns; rollouts took {first:.1f} s and "
          f"{second:.1f} s; {len(windows)} lock windows; statuses {dict(statuses)}; nginx logged {logged}, retried or failed {len(retried)}")

    assert requests_made >= 100, statuses
    assert all(isinstance(status, int) and 200 <= status < 300 for status in statuses), statuses
    assert retried == [], retried[:5]
    assert os.path.dirname(os.path.dirname(installed)) == os.path.join(os.environ["STACKS_HOME"], "bin"), installed
    assert stack_setting("STACKS_BIN", "") == installed
    assert "rolled out" in first_output and "rolled out" in second_output

    if MODE == "cgi":
        assert open(os.path.join(RUN, "cgi.pid")).read().strip() == fcgiwrap_before, "fcgiwrap was restarted"
    else:
        pools_after = ctl("pool-pids").split()
        assert len(pools_after) == 2 and not set(pools_after) & set(pools_before), (pools_before, pools_after)
        workers_after = wait_for(lambda: (lambda pids: pids if len(pids) == 2 * workers else None)(set(ctl("worker-pids").split())),
                                 10, f"{2 * workers} workers")
        assert not workers_after & workers_before, "a worker of the old pools still runs"
        for pid in workers_after:
            assert os.readlink(f"/proc/{pid}/exe") == installed
        # One generation of each pool is left: its socket and pid file, which the stable names link to.
        for pool in ("pool1", "pool2"):
            assert len(glob.glob(os.path.join(RUN, f"{pool}.*.sock"))) == 1, os.listdir(RUN)
            assert len(glob.glob(os.path.join(RUN, f"{pool}.*.pid"))) == 1, os.listdir(RUN)
            assert os.readlink(os.path.join(RUN, f"{pool}.sock")).replace(".sock", ".pid") == \
                os.readlink(os.path.join(RUN, f"{pool}.pid"))
        for pid in pools_before:
            assert not running(pid), f"the old pool's multiwatch {pid} still runs"
    runners_after = set(ctl("runner-pids").split())
    assert len(runners_after) == len(runners_before)
    if os.path.dirname(os.path.dirname(os.path.realpath(binary))) != os.path.join(os.environ["STACKS_HOME"], "bin"):
        assert not runners_after & runners_before, "a new binary was installed but the runners were not restarted"

    # Nothing lost, nothing made twice: the database holds exactly the acknowledged loans, all returned.
    for (client, email, book), mine, back in zip(writers, borrowed, returned):
        assert len(mine) >= 5, mine
        stored, stored_returned = stored_loans(email)
        assert stored == sorted(mine), "a loan was lost or made twice"
        assert stored_returned == sorted(back) == stored
        copies, available = map(int, admin_sql(f"SELECT copies || ' ' || available_copies FROM books WHERE id = {book}")[0].split())
        assert (copies, available) == (2, 2)
    assert API(BASE_URL).get("/api/health/ready").status_code == 200
