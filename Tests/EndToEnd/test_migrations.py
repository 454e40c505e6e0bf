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
