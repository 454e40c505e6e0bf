"""Pickup deadlines run in the jobs queue: a copy nobody collected passes to the next hold exactly
once, while the job runners are SIGKILLed every 100 ms (multiwatch starts new ones), for one hold
and for a batch of 200. The test stack's pickup period is a few seconds (deploy/test sets
STACKS_HOLD_PICKUP_DAYS); the runners look for due jobs every STACKS_JOBS_POLL_MS."""
import os
import random
import signal
import threading
import time
import uuid

from conftest import admin_sql, stack_setting
from test_circulation import hold, new_book, new_member

PICKUP_SECONDS = float(stack_setting("STACKS_HOLD_PICKUP_DAYS", "7")) * 86400


def runner_pids():
    """The stack's job runners: `stacks-jobs` processes in the process group of their supervisor."""
    try:
        with open(os.path.join(os.environ["STACKS_HOME"], "run", "runners.pid")) as pid_file:
            group = int(pid_file.readline())
    except (OSError, ValueError):
        return []
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read()
        except OSError:
            continue
        name = fields[fields.index("(") + 1:fields.rindex(")")]
        if name == "stacks-jobs" and int(fields[fields.rindex(")") + 2:].split()[2]) == group:
            pids.append(int(entry))
    return pids


class RunnerKiller:
    """SIGKILLs a random job runner every 100 ms while it runs."""

    def __init__(self):
        self.stop = threading.Event()
        self.kills = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            pids = runner_pids()
            if pids:
                try:
                    os.kill(random.choice(pids), signal.SIGKILL)
                    self.kills += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def wait_for(condition, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {seconds:.0f} s")


def test_the_stack_runs_job_runners_with_a_short_pickup_period():
    assert runner_pids(), "deploy/up started no job runners"
    assert PICKUP_SECONDS < 60, "deploy/test sets a pickup period of seconds"


def test_an_uncollected_copy_passes_to_the_next_hold_exactly_once_while_runners_are_killed(admin):
    created = new_book(admin, 1)
    members = [new_member()[1] for _ in range(3)]
    holds = [hold(member, created["id"]) for member in members]
    assert [h["status"] for h in holds] == ["awaiting_pickup", "waiting", "waiting"]
    ids = ", ".join(str(h["id"]) for h in holds)

    def statuses():
        return admin_sql(f"SELECT status FROM holds WHERE id IN ({ids}) ORDER BY id")

    with RunnerKiller() as killer:
        wait_for(lambda: statuses() == ["expired", "awaiting_pickup", "waiting"], PICKUP_SECONDS + 30, "the first expiry")
        wait_for(lambda: statuses() == ["expired", "expired", "awaiting_pickup"], PICKUP_SECONDS + 30, "the second expiry")
    assert killer.kills > 0
    # Each capture enqueued one deadline; each deadline ran once, and nothing failed.
    jobs = admin_sql(f"""SELECT payload->>'hold_id', state, attempts FROM jobs WHERE kind = 'hold_pickup_expiry'
                         AND (payload->>'hold_id')::bigint IN ({ids}) ORDER BY 1""")
    assert [row.split("|")[:2] for row in jobs][:2] == [[str(holds[0]["id"]), "done"], [str(holds[1]["id"]), "done"]]
    assert len(jobs) == 3 and all(row.split("|")[2] in ("0", "1") for row in jobs[:2])
    assert admin_sql(f"SELECT status FROM items WHERE book_id = {created['id']}") == ["on_hold_shelf"]
    third = members[2].get(f"/api/holds/{holds[2]['id']}").json()["data"]
    assert third["barcode"] == holds[0]["barcode"]


def test_a_batch_of_200_expiring_holds_each_pass_their_copy_once_while_runners_are_killed():
    tag = uuid.uuid4().hex[:10]
    pickup = f"make_interval(secs => {PICKUP_SECONDS})"
    # Set up in SQL (the API's hold limit is per member): 200 one-copy books, a first member's hold
    # captured on each, a second member waiting on each.
    admin_sql(f"""
        INSERT INTO members (email, name) VALUES ('first-{tag}@example.org', 'First'), ('second-{tag}@example.org', 'Second');
        INSERT INTO books (title, author, isbn, year, copies, available_copies)
        SELECT 'Batch {tag} ' || n, 'Tester', '979' || lpad((floor(random() * 1e10))::bigint::text, 10, '0'), 2020, 1, 1
        FROM generate_series(1, 200) AS n;
        INSERT INTO holds (book_id, member_id)
        SELECT b.id, m.id FROM books b, members m WHERE b.title LIKE 'Batch {tag} %' AND m.email = 'first-{tag}@example.org';
        SELECT count(*) FROM books b, capture_holds(b.id, {pickup}) WHERE b.title LIKE 'Batch {tag} %';
        INSERT INTO holds (book_id, member_id)
        SELECT b.id, m.id FROM books b, members m WHERE b.title LIKE 'Batch {tag} %' AND m.email = 'second-{tag}@example.org';
    """)
    count_sql = f"""SELECT m.name || ':' || h.status, count(*) FROM holds h JOIN members m ON m.id = h.member_id
                    WHERE m.email LIKE '%-{tag}@example.org' GROUP BY 1 ORDER BY 1"""
    assert admin_sql(count_sql) == ["First:awaiting_pickup|200", "Second:waiting|200"]
    with RunnerKiller() as killer:
        wait_for(lambda: admin_sql(count_sql)[0] == "First:expired|200", PICKUP_SECONDS + 60, "200 expiries")
    assert killer.kills > 0
    # The second member's holds got the copies (and, a pickup period later, expire in turn).
    assert all(row.split("|")[0] in ("Second:awaiting_pickup", "Second:expired") for row in admin_sql(count_sql)[1:])
    jobs = admin_sql(f"""SELECT state, count(*), max(attempts) FROM jobs j JOIN holds h ON h.id = (j.payload->>'hold_id')::bigint
                         JOIN members m ON m.id = h.member_id
                         WHERE j.kind = 'hold_pickup_expiry' AND m.email = 'first-{tag}@example.org' GROUP BY state""")
    assert len(jobs) == 1 and jobs[0].split("|")[:2] == ["done", "200"], jobs
    # Each copy passed once: one capture (one deadline job) per second-member hold, each on its own copy.
    second = admin_sql(f"""SELECT count(*), count(DISTINCT h.item_id) FROM holds h JOIN members m ON m.id = h.member_id
                           JOIN jobs j ON j.kind = 'hold_pickup_expiry' AND (j.payload->>'hold_id')::bigint = h.id
                           WHERE m.email = 'second-{tag}@example.org'""")
    assert second == ["200|200"]
    assert admin_sql(f"""SELECT count(*) FROM items i JOIN books b ON b.id = i.book_id
                         WHERE b.title LIKE 'Batch {tag} %' AND i.status IN ('on_hold_shelf', 'available')""") == ["200"]
