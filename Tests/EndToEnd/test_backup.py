"""deploy/ctl backup and restore. A backup taken under a write load holds every write acknowledged before
its snapshot and nothing that was not asked for before it ended; restored into a fresh cluster (its own
STACKS_HOME and PostgreSQL port, torn down after each test) it passes deploy/migrate with nothing to apply,
and a worker serves from it as the app role. Restore refuses a non-empty database without --force, and a
damaged file fails with a clear message and changes nothing."""
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from conftest import API, BASE_URL, MODE, ROOT, admin_sql, new_key, register, run_cgi

ONCE = pytest.mark.skipif(MODE != "pooled", reason="backups do not depend on the process mode; checked once per run")
CTL = os.path.join(ROOT, "deploy", "ctl")
NAME = re.compile(r"^stacks-\d{8}T\d{6}Z(-\d+)?\.dump$")
WRITERS = 3
LOAD_SECONDS = 1.0


def isbn13():
    """A random valid ISBN-13 in a range the seed does not use."""
    digits = [9, 7, 9, 8] + [random.randrange(10) for _ in range(8)]
    check = (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits + [check]))


def run_ctl(*args, home=None, port=None):
    """deploy/ctl against the test stack, or against the cluster in `home` on `port`."""
    env = os.environ.copy()
    if home:
        env.update(STACKS_HOME=home, STACKS_PG_PORT=str(port))
    return subprocess.run([CTL, *args], capture_output=True, text=True, env=env, timeout=300)


def take_backup(target):
    """deploy/ctl backup TARGET: the file, its size, pg_dump's time and the snapshot's time (UTC)."""
    result = run_ctl("backup", target)
    assert result.returncode == 0, result.stderr
    written = re.search(r"backup (\S+) \((\d+) bytes, ([0-9.]+) s", result.stdout)
    snapshot = re.search(r"snapshot_time (\S+)Z ", result.stdout)
    assert written and snapshot, result.stdout
    assert re.search(r"wal_lsn [0-9A-F]+/[0-9A-F]+ ", result.stdout), result.stdout
    assert re.search(r"txid_snapshot \d+:\d+:[0-9,]* ", result.stdout), result.stdout
    at = datetime.datetime.fromisoformat(snapshot.group(1)).replace(tzinfo=datetime.timezone.utc).timestamp()
    return written.group(1), int(written.group(2)), float(written.group(3)), at


class Cluster:
    """A restore target: a fresh STACKS_HOME under /tmp and the next PostgreSQL port."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="stacks-restore-")
        os.chmod(self.home, 0o755)  # postgres must enter it
        self.port = int(os.environ.get("STACKS_PG_PORT", "54339")) + 1
        self.admin_url = f"postgresql:///stacks?host={self.home}/run&port={self.port}&user=postgres"
        self.app_url = f"postgresql:///stacks?host={self.home}/run&port={self.port}&user=stacks_app"

    def restore(self, *args):
        return run_ctl("restore", *args, home=self.home, port=self.port)

    def sql(self, query, url=None):
        result = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url or self.admin_url, "-c", query],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if line]

    def databases(self):
        return sorted(self.sql("SELECT datname FROM pg_database WHERE NOT datistemplate"))

    def tear_down(self):
        subprocess.run([os.path.join(ROOT, "deploy", "down")], env={**os.environ, "STACKS_HOME": self.home},
                       capture_output=True, timeout=120)
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture
def cluster():
    target = Cluster()
    try:
        yield target
    finally:
        target.tear_down()


@pytest.fixture
def backup_dir():
    folder = tempfile.mkdtemp(prefix="stacks-backups-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Load:
    """Writers through nginx, each write with an idempotency key: WRITERS threads creating books (as a
    librarian) and one member borrowing and returning a book. Every request is recorded with the time
    it was sent and, when its 2xx arrived, that time and what it made."""

    def __init__(self, librarian_key):
        self.run = uuid.uuid4().hex[:10]
        self.stop = threading.Event()
        self.books = []   # (tag, sent, acknowledged or None, book id or None, the body sent)
        self.loans = []   # (kind, loan id or None, sent, acknowledged or None); kind borrow or return
        self.librarian = librarian_key
        email, password = register()
        self.member = API(BASE_URL, new_key(email, password)["api_key"])
        self.email = email
        made = API(BASE_URL, librarian_key).post("/api/books", json={
            "title": f"Backup shelf {self.run}", "author": "Backup Test", "isbn": isbn13(), "year": 2024, "copies": 3})
        assert made.status_code == 201, made.text
        self.shelf = made.json()["data"]["id"]
        self.threads = [threading.Thread(target=self.write_books, args=(n,)) for n in range(WRITERS)]
        self.threads.append(threading.Thread(target=self.borrow_and_return))

    def title(self, tag):
        return f"Backup load {tag}"

    def write_books(self, writer):
        client = API(BASE_URL, self.librarian)
        n = 0
        while not self.stop.is_set():
            tag = f"{self.run}-{writer}-{n}"
            n += 1
            body = json.dumps({"title": self.title(tag), "author": "Backup Test", "isbn": isbn13(), "year": 2024,
                               "copies": 1}).encode()
            sent = time.time()
            try:
                response = client.post("/api/books", data=body, headers={
                    "Idempotency-Key": f"backup-{tag}", "Content-Type": "application/json"})
                acknowledged = time.time() if response.status_code == 201 else None
                self.books.append((tag, sent, acknowledged, response.json()["data"]["id"] if acknowledged else None, body))
            except Exception:  # noqa: BLE001 — an unanswered write is recorded as such
                self.books.append((tag, sent, None, None, body))

    def borrow_and_return(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            sent = time.time()
            try:
                borrowed = self.member.post(f"/api/books/{self.shelf}/borrow", json={"days": 7},
                                            headers={"Idempotency-Key": f"backup-borrow-{self.run}-{n}"})
            except Exception:  # noqa: BLE001
                self.loans.append(("borrow", None, sent, None))
                continue
            if borrowed.status_code != 201:
                self.loans.append(("borrow", None, sent, None))
                continue
            loan = borrowed.json()["data"]["id"]
            self.loans.append(("borrow", loan, sent, time.time()))
            sent = time.time()
            try:
                returned = self.member.post(f"/api/borrows/{loan}/return",
                                            headers={"Idempotency-Key": f"backup-return-{self.run}-{n}"})
                self.loans.append(("return", loan, sent, time.time() if returned.status_code == 200 else None))
            except Exception:  # noqa: BLE001
                self.loans.append(("return", loan, sent, None))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def remove_books(self):
        """Deletes the load's books from the test stack (a thousand or so): the catalog as other tests expect it."""
        admin_sql(f"DELETE FROM books WHERE title LIKE 'Backup load {self.run}-%'")


@ONCE
def test_a_backup_under_write_load_restores_every_acknowledged_write_and_nothing_unasked(librarian_key, cluster,
                                                                                        backup_dir):
    load = Load(librarian_key)
    try:
        with load:
            time.sleep(LOAD_SECONDS)
            started = time.time()
            path, size, dump_seconds, snapshot_at = take_backup(backup_dir)
            ended = time.time()
            time.sleep(LOAD_SECONDS / 3)
    finally:
        load.remove_books()
    assert started - 1 <= snapshot_at <= ended, (started, snapshot_at, ended)
    cut = snapshot_at  # every transaction committed before it is in the backup: stricter than `started`
    restore_started = time.time()
    restored = cluster.restore(path)
    restore_seconds = time.time() - restore_started
    assert restored.returncode == 0, restored.stderr
    assert "migrate: nothing to apply" in restored.stdout

    # Books: every creation acknowledged before the snapshot is there with its id; every one there was
    # sent before the backup ended, and is the one acknowledged if it was.
    in_backup = dict((title, int(id_)) for title, id_ in (
        row.split("|") for row in cluster.sql(f"SELECT title, id FROM books WHERE title LIKE 'Backup load {load.run}-%'")))
    acknowledged_before = [b for b in load.books if b[2] is not None and b[2] < cut]
    assert acknowledged_before, "no write was acknowledged before the backup: the load did not run"
    for tag, _, _, book, _ in acknowledged_before:
        assert in_backup.get(load.title(tag)) == book, f"book {tag} acknowledged before the backup is missing"
    asked = {load.title(tag): (sent, book) for tag, sent, _, book, _ in load.books}
    for title, book in in_backup.items():
        assert title in asked, f"{title} is in the backup but was never asked for"
        sent, acknowledged_id = asked[title]
        assert sent < ended, f"{title} was sent after the backup ended, yet it is in it"
        assert acknowledged_id in (None, book), f"{title} is in the backup as {book}, acknowledged as {acknowledged_id}"
    assert any(b[1] >= ended for b in load.books), "no write was sent after the backup: the load stopped too soon"

    # Loans: every borrow and return acknowledged before the snapshot is there; every loan there was
    # borrowed by a request sent before the backup ended; every return there was asked for.
    member = cluster.sql(f"SELECT id FROM members WHERE email = '{load.email}'")
    assert len(member) == 1
    rows = [row.split("|") for row in cluster.sql(
        f"SELECT id, returned_at IS NOT NULL FROM loans WHERE member_id = {member[0]} ORDER BY id")]
    loans = {int(id_): returned == "t" for id_, returned in rows}
    borrows = [entry for entry in load.loans if entry[0] == "borrow"]
    returns = [entry for entry in load.loans if entry[0] == "return"]
    for _, loan, _, acknowledged in borrows:
        if acknowledged is not None and acknowledged < cut:
            assert loan in loans, f"loan {loan} acknowledged before the backup is missing"
    for _, loan, _, acknowledged in returns:
        if acknowledged is not None and acknowledged < cut:
            assert loans.get(loan) is True, f"the return of loan {loan}, acknowledged before the backup, is missing"
    known = {loan for _, loan, _, _ in borrows if loan is not None}
    unanswered_before_end = sum(1 for _, loan, sent, _ in borrows if loan is None and sent < ended)
    assert len(set(loans) - known) <= unanswered_before_end, (loans, known)
    for loan in loans:
        if loan in known:
            sent = next(s for _, l, s, _ in borrows if l == loan)
            assert sent < ended, f"loan {loan} was borrowed after the backup ended, yet it is in it"
    return_asked = {loan: sent for _, loan, sent, _ in returns}
    for loan, returned in loans.items():
        if returned:
            assert loan in return_asked and return_asked[loan] < ended, f"loan {loan} is returned in the backup unasked"

    # The restored database is current and the app role (the workers' role) reads and writes it.
    migrated = subprocess.run([os.path.join(ROOT, "deploy", "migrate"), cluster.admin_url], capture_output=True,
                              text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    assert "nothing to apply" in migrated.stdout and "applying" not in migrated.stdout
    versions = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "sql")) if f[:3].isdigit() and f.endswith(".sql"))
    assert cluster.sql("SELECT version FROM schema_migrations ORDER BY version") == versions
    assert cluster.sql("SELECT count(*) FROM books", url=cluster.app_url) == cluster.sql("SELECT count(*) FROM books")
    worker = {"PGHOST": f"{cluster.home}/run", "PGPORT": str(cluster.port), "PGDATABASE": "stacks",
              "PGUSER": "stacks_app"}
    auth = {"Authorization": f"Bearer {librarian_key}"}
    tag, _, _, book, body = acknowledged_before[-1]
    shown = run_cgi("GET", f"/api/books/{book}", headers=auth, settings=worker)
    assert shown.status == 200, shown.payload
    assert json.loads(shown.payload)["data"]["title"] == load.title(tag)
    # The stored response of an idempotency key came back with its effect: a retry is a replay.
    replay = run_cgi("POST", "/api/books", headers={**auth, "Idempotency-Key": f"backup-{tag}"}, settings=worker,
                     body=body)
    assert replay.status == 201, replay.payload
    assert re.search(r"(?im)^Idempotent-Replayed: true\r?$", replay.head), replay.head
    assert json.loads(replay.payload)["data"]["id"] == book
    fresh = run_cgi("POST", "/api/books", headers=auth, settings=worker, body=(
        '{"title": "Written after the restore", "author": "Backup Test", "isbn": "%s", "year": 2024}' % isbn13()).encode())
    assert fresh.status == 201, fresh.payload

    acknowledged = sum(1 for b in load.books if b[2] is not None) + sum(1 for e in load.loans if e[3] is not None)
    before = len(acknowledged_before) + sum(1 for e in load.loans if e[3] is not None and e[3] < cut)
    in_file = len(in_backup) + len(loans) + sum(1 for returned in loans.values() if returned)
    summary = (f"backup under load: {acknowledged} writes acknowledged ({before} before the snapshot), {in_file} in the "
               f"backup; dump {size / 1024:.0f} KiB in {dump_seconds:.2f} s, restore {restore_seconds:.2f} s")
    print(summary)
    with open(os.path.join(os.environ["STACKS_HOME"], "log", "backup.txt"), "a") as report:
        report.write(summary + "\n")


@ONCE
def test_a_backup_is_private_named_by_its_utc_time_and_never_replaces_a_file(backup_dir):
    path, size, _, snapshot_at = take_backup(backup_dir + "/")
    name = os.path.basename(path)
    assert os.path.dirname(path) == backup_dir and NAME.match(name), path
    assert name == time.strftime("stacks-%Y%m%dT%H%M%SZ.dump", time.gmtime(int(snapshot_at)))
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.path.getsize(path) == size
    with open(path, "rb") as dump:
        assert dump.read(5) == b"PGDMP"
    assert os.listdir(backup_dir) == [name], "a temporary file was left behind"
    again = run_ctl("backup", path)
    assert again.returncode != 0 and "never replaces" in again.stderr, again.stderr
    assert os.path.getsize(path) == size and os.listdir(backup_dir) == [name]
    second = take_backup(backup_dir)[0]
    assert second != path and NAME.match(os.path.basename(second)) and os.path.getsize(path) == size
    named = os.path.join(backup_dir, "chosen.dump")
    take_backup(named)
    assert os.stat(named).st_mode & 0o777 == 0o600
    assert sorted(os.listdir(backup_dir)) == sorted([name, os.path.basename(second), "chosen.dump"])
    missing = run_ctl("backup", os.path.join(backup_dir, "no-such-folder", "x.dump"))
    assert missing.returncode != 0 and "no folder" in missing.stderr, missing.stderr


@ONCE
def test_restore_refuses_a_non_empty_database_without_force(cluster, backup_dir):
    path = take_backup(backup_dir)[0]
    assert cluster.restore(path).returncode == 0
    cluster.sql("INSERT INTO schema_migrations (version) VALUES ('999_marker')")
    refused = cluster.restore(path)
    assert refused.returncode != 0
    assert "not empty" in refused.stderr and "--force" in refused.stderr, refused.stderr
    assert cluster.sql("SELECT count(*) FROM schema_migrations WHERE version = '999_marker'") == ["1"]
    forced = cluster.restore("--force", path)
    assert forced.returncode == 0, forced.stderr
    assert cluster.sql("SELECT count(*) FROM schema_migrations WHERE version = '999_marker'") == ["0"]
    assert cluster.databases() == ["postgres", "stacks"]


@ONCE
def test_a_damaged_backup_fails_clearly_and_leaves_no_half_restored_database(cluster, backup_dir):
    path = take_backup(backup_dir)[0]
    with open(path, "rb") as dump:
        whole = dump.read()
    damaged = {
        "cut": whole[:-2000],  # within the last table's data
        "cut-in-its-table-of-contents": whole[:2000],  # the definitions come first, uncompressed
        "flipped": whole[:len(whole) - 4000] + bytes(b ^ 0xFF for b in whole[-4000:-3900]) + whole[-3900:],
        "not-a-dump": b"-- not a pg_dump archive\n" + whole[5:],
        "empty": b"",
    }
    files = {}
    for name, data in damaged.items():
        files[name] = os.path.join(backup_dir, f"{name}.dump")
        with open(files[name], "wb") as out:
            out.write(data)

    # Into a fresh STACKS_HOME: the cluster is made, the database stays empty.
    failed = cluster.restore(files["cut"])
    assert failed.returncode != 0
    assert "pg_restore failed" in failed.stderr and "unchanged" in failed.stderr, failed.stderr
    assert cluster.databases() == ["postgres", "stacks"]
    assert cluster.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == ["0"]

    # Over a restored database, even with --force: every damaged file leaves it as it was.
    assert cluster.restore(path).returncode == 0
    cluster.sql("INSERT INTO schema_migrations (version) VALUES ('999_marker')")
    books = cluster.sql("SELECT count(*) FROM books")
    said = {"cut": "pg_restore failed", "cut-in-its-table-of-contents": "damaged", "flipped": "pg_restore failed",
            "not-a-dump": "not a pg_dump custom-format archive", "empty": "not a pg_dump custom-format archive"}
    for name, file in files.items():
        result = cluster.restore("--force", file)
        assert result.returncode != 0, name
        assert said[name] in result.stderr, (name, result.stderr)
        assert cluster.sql("SELECT count(*) FROM schema_migrations WHERE version = '999_marker'") == ["1"], name
        assert cluster.sql("SELECT count(*) FROM books") == books, name
        assert cluster.databases() == ["postgres", "stacks"], name
    missing = cluster.restore(os.path.join(backup_dir, "no-such.dump"))
    assert missing.returncode != 0 and "no readable file" in missing.stderr, missing.stderr
