"""Job runners under deploy/up: they are up in every mode, enqueue the hourly purge once, show
librarians failed jobs with their errors, and lose nothing and repeat nothing while SIGKILLed
every 100 ms: 200 holds past their pickup deadline each pass their copy to the next in line
exactly once, and those holds expire in turn when their own (≈5 s) deadline passes."""
import os
import random
import signal
import threading
import time
import uuid

from conftest import wait_for, killer, admin_sql, assert_problem, stack_runner_pids, stack_setting

STORM_HOLDS = 200



def test_the_runners_are_up_as_the_worker_user_and_run_this_hours_purge_once():
    runners = wait_for(stack_runner_pids, 10, "the runners are running")
    assert len(runners) == int(stack_setting("STACKS_RUNNERS", "2"))
    for pid in runners:
        with open(f"/proc/{pid}/status") as status:
            uid = next(line.split()[1] for line in status if line.startswith("Uid:"))
        assert uid != "0", "a runner runs as root"
    hour = "'purge_expired:' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"
    wait_for(lambda: admin_sql(f"SELECT state FROM jobs WHERE dedupe_key = {hour}") == ["done"], 10,
             "this hour's purge is done")
    assert admin_sql(f"SELECT count(*) FROM jobs WHERE dedupe_key = {hour}") == ["1"]


def test_librarians_see_a_failing_job_with_its_error_and_members_do_not(admin, api):
    job = admin_sql("WITH added AS (INSERT INTO jobs (kind, payload) VALUES ('no_such_kind', '{\"e2e\": true}') RETURNING id) "
                    "SELECT id FROM added")[0]
    try:
        wait_for(lambda: admin_sql(f"SELECT state FROM jobs WHERE id = {job}") == ["failed"], 10, "the job failed")
        listed = admin.get("/api/jobs?state=failed&limit=100")
        assert listed.status_code == 200, listed.text
        found = [j for j in listed.json()["data"] if j["id"] == int(job)]
        assert found and found[0]["last_error"] == "unknown job kind 'no_such_kind'", listed.text
        assert found[0]["attempts"] == 1 and found[0]["payload"] == {"e2e": True}
        assert_problem(admin.get("/api/jobs?state=stuck"), 400)
        assert_problem(api.get("/api/jobs"), 403)
    finally:
        admin_sql(f"DELETE FROM jobs WHERE id = {job}")


def shelf(tag):
    """200 books whose one copy waits on the hold shelf for member A past its deadline, member B
    next in line. Returns the condition that picks these books' holds."""
    a, b = f"storm-a-{tag}@example.org", f"storm-b-{tag}@example.org"
    isbn = f"97{random.randint(1000000, 9999999)}"
    admin_sql(f"""
        INSERT INTO members (email, name) VALUES ('{a}', 'Storm A'), ('{b}', 'Storm B');
        INSERT INTO books (title, author, isbn, year, copies, available_copies)
        SELECT 'Storm {tag} ' || n, 'Runner', '{isbn}' || lpad(n::text, 4, '0'), 2020, 0, 0
        FROM generate_series(1, {STORM_HOLDS}) AS n;
        INSERT INTO items (book_id, status) SELECT id, 'on_hold_shelf' FROM books WHERE title LIKE 'Storm {tag} %';
        INSERT INTO holds (book_id, member_id, status, item_id, pickup_expires_at)
        SELECT i.book_id, (SELECT id FROM members WHERE email = '{a}'), 'awaiting_pickup', i.id, now() - interval '1 minute'
        FROM items i JOIN books b ON b.id = i.book_id WHERE b.title LIKE 'Storm {tag} %';
        INSERT INTO holds (book_id, member_id)
        SELECT id, (SELECT id FROM members WHERE email = '{b}') FROM books WHERE title LIKE 'Storm {tag} %';
    """)
    return f"book_id IN (SELECT id FROM books WHERE title LIKE 'Storm {tag} %')", a, b


def test_a_kill_storm_loses_no_job_and_passes_each_copy_exactly_once():
    tag = uuid.uuid4().hex[:10]
    books, a, b = shelf(tag)
    first = f"holds.{books} AND member_id = (SELECT id FROM members WHERE email = '{a}')"
    second = f"holds.{books} AND member_id = (SELECT id FROM members WHERE email = '{b}')"
    deadline_jobs = f"""kind = 'hold_pickup_expiry' AND (payload->>'hold_id')::bigint IN (SELECT id FROM holds WHERE {second})"""
    stop, kills = threading.Event(), []
    thread = threading.Thread(target=killer, args=(stop, kills, stack_runner_pids), daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        jobs = admin_sql(f"""WITH added AS (INSERT INTO jobs (kind, payload)
                                 SELECT 'hold_pickup_expiry', jsonb_build_object('hold_id', id) FROM holds WHERE {first}
                                 RETURNING id) SELECT id FROM added""")
        assert len(jobs) == STORM_HOLDS
        ids = ",".join(jobs)
        wait_for(lambda: admin_sql(f"SELECT count(*) FROM jobs WHERE id IN ({ids}) AND state = 'done'") == [str(STORM_HOLDS)],
                 120, f"all {STORM_HOLDS} jobs done under the storm")
        # Each job ran to its commit once: one attempt, no error.
        assert admin_sql(f"SELECT count(*) FROM jobs WHERE id IN ({ids}) AND (attempts <> 1 OR last_error IS NOT NULL)") == ["0"]
        # Every first hold expired, and each copy passed to the second hold once: one deadline job each.
        assert admin_sql(f"SELECT status, count(*) FROM holds WHERE {first} GROUP BY status") == [f"expired|{STORM_HOLDS}"]
        assert admin_sql(f"""SELECT count(*) FROM holds WHERE {second} AND status IN ('awaiting_pickup', 'expired')
                             AND item_id = (SELECT id FROM items WHERE items.book_id = holds.book_id)""") == [str(STORM_HOLDS)]
        assert admin_sql(f"SELECT count(*), count(DISTINCT payload) FROM jobs WHERE {deadline_jobs}") == [
            f"{STORM_HOLDS}|{STORM_HOLDS}"]
        # About 5 s later (STACKS_HOLD_PICKUP_DAYS under deploy/test) those deadlines pass in turn, still
        # under the storm: every second hold expires, nobody is next, each copy is available again.
        wait_for(lambda: admin_sql(f"SELECT count(*) FROM jobs WHERE {deadline_jobs} AND state = 'done'") == [
            str(STORM_HOLDS)], 60, "the second holds' deadlines ran")
    finally:
        stop.set()
        thread.join()
    assert kills, "no runner was killed"
    assert admin_sql(f"SELECT count(*) FROM jobs WHERE {deadline_jobs} AND (attempts <> 1 OR last_error IS NOT NULL)") == ["0"]
    assert admin_sql(f"SELECT status, count(*) FROM holds WHERE {second} GROUP BY status") == [f"expired|{STORM_HOLDS}"]
    assert admin_sql(f"""SELECT count(*) FROM books WHERE id IN (SELECT book_id FROM holds WHERE {second})
                         AND copies = 1 AND available_copies = 1""") == [str(STORM_HOLDS)]
    print(f"job runner kill storm: {len(kills)} SIGKILLs, {STORM_HOLDS} + {STORM_HOLDS} hold deadlines, none lost or repeated")


def test_a_stopped_runner_finishes_and_exits_zero_and_multiwatch_starts_another():
    runners = wait_for(stack_runner_pids, 10, "the runners are running")
    victim = runners[0]
    os.kill(victim, signal.SIGTERM)
    wait_for(lambda: not os.path.exists(f"/proc/{victim}"), 5, "the runner exits on SIGTERM")
    log = os.path.join(os.environ["STACKS_HOME"], "log", "runners.log")
    wait_for(lambda: f'"event":"stopped","level":"info","pid":{victim},' in open(log, encoding="utf-8").read(), 5,
             "the runner logged its stop")
    wait_for(lambda: len(stack_runner_pids()) == len(runners), 10, "multiwatch started another runner")
