"""Pickup deadlines run in the jobs queue: a copy nobody collected, captured through the API, passes
to the next hold exactly once while the job runners are SIGKILLed every 100 ms (multiwatch starts
new ones). The batch of 200 under the same storm is test_jobs.py's. The test stack's pickup period
is a few seconds (deploy/test sets STACKS_HOLD_PICKUP_DAYS); the runners poll every STACKS_JOBS_POLL_MS."""
import threading

from conftest import admin_sql, killer, stack_runner_pids, stack_setting
from test_circulation import hold, new_book, new_member
from test_jobs import wait_for

PICKUP_SECONDS = float(stack_setting("STACKS_HOLD_PICKUP_DAYS", "7")) * 86400


def test_the_stack_runs_job_runners_with_a_short_pickup_period():
    assert stack_runner_pids(), "deploy/up started no job runners"
    assert PICKUP_SECONDS < 60, "deploy/test sets a pickup period of seconds"


def test_an_uncollected_copy_passes_to_the_next_hold_exactly_once_while_runners_are_killed(admin):
    created = new_book(admin, 1)
    members = [new_member()[1] for _ in range(3)]
    holds = [hold(member, created["id"]) for member in members]
    assert [h["status"] for h in holds] == ["awaiting_pickup", "waiting", "waiting"]
    ids = ", ".join(str(h["id"]) for h in holds)

    def statuses():
        return admin_sql(f"SELECT status FROM holds WHERE id IN ({ids}) ORDER BY id")

    stop, kills = threading.Event(), []
    thread = threading.Thread(target=killer, args=(stop, kills, stack_runner_pids), daemon=True)
    thread.start()
    try:
        wait_for(lambda: statuses() == ["expired", "awaiting_pickup", "waiting"], PICKUP_SECONDS + 30, "the first expiry")
        wait_for(lambda: statuses() == ["expired", "expired", "awaiting_pickup"], PICKUP_SECONDS + 30, "the second expiry")
    finally:
        stop.set()
        thread.join()
    assert kills, "no runner was killed"
    # Each capture enqueued one deadline; each deadline ran once, and nothing failed.
    jobs = admin_sql(f"""SELECT payload->>'hold_id', state, attempts FROM jobs WHERE kind = 'hold_pickup_expiry'
                         AND (payload->>'hold_id')::bigint IN ({ids}) ORDER BY 1""")
    assert [row.split("|")[:2] for row in jobs][:2] == [[str(holds[0]["id"]), "done"], [str(holds[1]["id"]), "done"]]
    assert len(jobs) == 3 and [row.split("|")[2] for row in jobs[:2]] == ["1", "1"]
    assert admin_sql(f"SELECT status FROM items WHERE book_id = {created['id']}") == ["on_hold_shelf"]
    third = members[2].get(f"/api/holds/{holds[2]['id']}").json()["data"]
    assert third["barcode"] == holds[0]["barcode"]
