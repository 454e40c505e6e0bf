"""deploy/migrate against an empty database: every migration applies once, in order, and a
second run changes nothing. Runs on a scratch database of the test cluster, never the live one."""
import os
import subprocess

from conftest import ROOT, MODE, admin_sql

import pytest

SCRATCH = "stacks_migrate_scratch"


def scratch_url():
    admin = os.environ["STACKS_TEST_ADMIN_URL"]
    assert "/stacks?" in admin, admin
    return admin.replace("/stacks?", f"/{SCRATCH}?")


def migrate():
    return subprocess.run([os.path.join(ROOT, "deploy", "migrate"), scratch_url()], capture_output=True, text=True, timeout=120)


def scratch_sql(sql):
    result = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", scratch_url(), "-c", sql],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.skipif(MODE != "pooled", reason="the schema does not depend on the process mode; checked once per run")
def test_migrations_apply_from_empty_and_are_a_no_op_on_rerun():
    admin_sql(f"DROP DATABASE IF EXISTS {SCRATCH}")
    admin_sql(f"CREATE DATABASE {SCRATCH}")
    try:
        files = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "sql")) if f[:3].isdigit() and f.endswith(".sql"))
        first = migrate()
        assert first.returncode == 0, first.stderr
        for version in files:
            assert f"applying {version}" in first.stdout
        assert scratch_sql("SELECT version FROM schema_migrations ORDER BY version") == files
        applied_at = scratch_sql("SELECT applied_at FROM schema_migrations ORDER BY version")
        assert scratch_sql("SELECT count(*) FROM books") == ["0"]

        second = migrate()
        assert second.returncode == 0, second.stderr
        assert "nothing to apply" in second.stdout
        assert "applying" not in second.stdout
        assert scratch_sql("SELECT applied_at FROM schema_migrations ORDER BY version") == applied_at

        seeded = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", scratch_url(), "-f",
                                 os.path.join(ROOT, "sql", "seed.sql")], capture_output=True, text=True, timeout=60)
        assert seeded.returncode == 0, seeded.stderr
        rows = sum(1 for line in open(os.path.join(ROOT, "sql", "seed.sql")) if line.lstrip().startswith("('"))
        assert scratch_sql("SELECT count(*) FROM books") == [str(rows)]
        assert rows >= 303
        assert scratch_sql("SELECT isbn FROM books ORDER BY id LIMIT 3") == ["0201633612", "0201485672", "0321125215"]
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {SCRATCH}")


@pytest.mark.skipif(MODE != "pooled", reason="the schema does not depend on the process mode; checked once per run")
def test_circulation_migration_keeps_every_active_loan_on_an_item():
    """A database at the schema before items (009), with books, active and returned loans and one
    book whose counters had drifted (more loans out than copies), migrates to items without losing
    a loan: each active loan holds its own item, on loan, and the counters are the items'."""
    admin_sql(f"DROP DATABASE IF EXISTS {SCRATCH}")
    admin_sql(f"CREATE DATABASE {SCRATCH}")
    try:
        scratch_sql("CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        files = sorted(f for f in os.listdir(os.path.join(ROOT, "sql")) if f[:3].isdigit() and f.endswith(".sql"))
        previous = [f for f in files if f < "010"]
        for name in previous:
            applied = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", scratch_url(), "-f",
                                      os.path.join(ROOT, "sql", name)], capture_output=True, text=True, timeout=60)
            assert applied.returncode == 0, applied.stderr
            scratch_sql(f"INSERT INTO schema_migrations (version) VALUES ('{name[:-4]}')")
        scratch_sql("""
            INSERT INTO members (email, name) VALUES ('a@example.org', 'A'), ('b@example.org', 'B'), ('c@example.org', 'C');
            INSERT INTO books (title, author, isbn, year, copies, available_copies) VALUES
                ('Three Copies', 'X', '0201633612', 1994, 3, 1),
                ('Drifted', 'Y', '0201485672', 1999, 1, 0),
                ('Untouched', 'Z', '0321125215', 2003, 2, 2);
            INSERT INTO loans (book_id, member_id, copy_no, book_title, borrower_name, borrowed_at, due_at) VALUES
                (1, 1, 1, 'Three Copies', 'A', now(), now() + interval '3 days'),
                (1, 2, 3, 'Three Copies', 'B', now(), now() + interval '5 days'),
                (2, 1, 1, 'Drifted', 'A', now(), now() + interval '1 day'),
                (2, 3, 2, 'Drifted', 'C', now() - interval '15 days', now() - interval '1 day');
            INSERT INTO loans (book_id, member_id, copy_no, book_title, borrower_name, due_at, returned_at) VALUES
                (1, 3, 2, 'Three Copies', 'C', now() + interval '1 day', now());
        """)
        before = scratch_sql("SELECT id FROM loans WHERE returned_at IS NULL ORDER BY id")
        assert len(before) == 4

        migrated = migrate()
        assert migrated.returncode == 0, migrated.stderr
        assert "applying 010_circulation" in migrated.stdout
        # Every active loan still active, each on its own item, which is on loan.
        rows = scratch_sql("""SELECT l.id, i.status, i.barcode FROM loans l JOIN items i ON i.id = l.item_id
                              WHERE l.returned_at IS NULL AND l.barcode = i.barcode ORDER BY l.id""")
        assert [row.split("|")[0] for row in rows] == before
        assert all(row.split("|")[1] == "on_loan" for row in rows)
        assert len({row.split("|")[2] for row in rows}) == 4
        assert scratch_sql("SELECT count(*) FROM loans WHERE returned_at IS NOT NULL AND item_id IS NULL") == ["1"]
        # The counters are the items': the drifted book gained the item its second loan needed.
        assert scratch_sql("SELECT title, copies, available_copies FROM books ORDER BY id") == [
            "Three Copies|3|1", "Drifted|2|0", "Untouched|2|2"]
        assert scratch_sql("SELECT barcode FROM items WHERE book_id = 1 ORDER BY id") == [
            "0201633612-1", "0201633612-2", "0201633612-3"]
        # And circulation works on the migrated data: a return frees the item (as the app role would).
        scratch_sql(f"""UPDATE loans SET returned_at = now() WHERE id = {before[0]};
                        UPDATE items SET status = 'available' WHERE id = (SELECT item_id FROM loans WHERE id = {before[0]})""")
        assert scratch_sql("SELECT available_copies FROM books WHERE id = 1") == ["2"]
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {SCRATCH}")
