# shellcheck shell=bash
# deploy/lib/backup.sh — backups of the stacks database: pg_dump -Fc of one exported snapshot, whose time, WAL
# position and txid snapshot are printed, written atomically; restore into a scratch database, migrated and
# then swapped in by rename, so that a failed restore leaves nothing behind. Sourced by deploy/lib.sh, never run.

BACKUP_DIR=$STACKS_HOME/backups
RESTORE_DB=${DB_NAME}_restore   # the scratch database a restore fills
REPLACED_DB=${DB_NAME}_replaced # the database restore --force swapped out, until it is dropped

# snapshot_open: a psql session (coprocess SNAPSHOT) holding a read-only repeatable-read transaction that
# exports its snapshot; sets SNAPSHOT_ID, SNAPSHOT_TIME (the statement's start, UTC: every transaction
# committed before it is in the snapshot), SNAPSHOT_STAMP (the same, for a file name), SNAPSHOT_LSN (the
# WAL position then) and SNAPSHOT_TXIDS (pg_current_snapshot: xmin:xmax:in-progress, none of those in it).
snapshot_open() {
  local line
  coproc SNAPSHOT { admin_env "$PG_BIN/psql" -X -q -At -F ' ' -v ON_ERROR_STOP=1 2>&1; }
  cat >&"${SNAPSHOT[1]}" <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT 'snapshot', pg_export_snapshot(),
       to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'),
       pg_current_wal_lsn(), pg_current_snapshot();
SQL
  IFS= read -r -t 30 line <&"${SNAPSHOT[0]}" || die "could not open a snapshot of database $DB_NAME"
  [[ $line == 'snapshot '* ]] || die "could not open a snapshot of database $DB_NAME: $line"
  read -r _ SNAPSHOT_ID SNAPSHOT_TIME SNAPSHOT_STAMP SNAPSHOT_LSN SNAPSHOT_TXIDS <<<"$line"
}

# snapshot_close: end the snapshot's transaction and its session.
snapshot_close() {
  local in=${SNAPSHOT[1]} pid=$SNAPSHOT_PID
  echo 'COMMIT;' >&"$in"
  exec {in}>&-
  wait "$pid" || true
}

# backup_write [FILE|DIR]: pg_dump -Fc of database stacks, from one snapshot, to FILE, or to
# DIR/stacks-<snapshot time, UTC>.dump (-2, -3, … when one second has several; default DIR:
# $STACKS_HOME/backups). Written to a temporary file in the same folder (mode 0600, fsynced by pg_dump)
# and linked into place: a reader never sees half a file, and an existing file is never replaced.
# Prints the file, its size, the time taken and the snapshot's point.
backup_write() {
  local target=${1:-$BACKUP_DIR/} dir name tmp err started size took n
  pg_running || die "PostgreSQL is not running in $PG_DATA (deploy/up, or deploy/ctl pg-start)"
  if [ "$target" = "$BACKUP_DIR/" ]; then install -d -m 0700 "$BACKUP_DIR"; fi
  if [ -d "$target" ] || [[ $target == */ ]]; then
    dir=${target%/}
    dir=${dir:-/}
    name=
  else
    dir=$(dirname -- "$target")
    name=$(basename -- "$target")
  fi
  [ -d "$dir" ] || die "no folder $dir for the backup"
  [ -z "$name" ] || [ ! -e "$dir/$name" ] || die "$dir/$name exists: a backup never replaces a file; name another"
  umask 077
  tmp=$(mktemp "$dir/.stacks-backup.XXXXXX") || die "cannot write in $dir"
  err=$(mktemp)
  # shellcheck disable=SC2064 # the names are fixed now
  trap "rm -f '$tmp' '$err'" EXIT
  started=$EPOCHREALTIME
  snapshot_open
  # Custom format (compressed, restorable selectively and with pg_restore's checks), from the snapshot the
  # session above exported and holds until pg_dump is done.
  if ! admin_env "$PG_BIN/pg_dump" -Fc --snapshot="$SNAPSHOT_ID" -f "$tmp" 2>"$err"; then
    snapshot_close
    sed 's/^/  /' "$err" >&2
    die "pg_dump failed: no backup written"
  fi
  snapshot_close
  chmod 0600 "$tmp"
  if [ -n "$name" ]; then
    ln -- "$tmp" "$dir/$name" 2>/dev/null || die "$dir/$name exists: a backup never replaces a file; name another"
  else
    # A second backup within the same second gets -2, -3, … after the time.
    for ((n = 1; n < 100; n++)); do
      name=$DB_NAME-$SNAPSHOT_STAMP$([ "$n" = 1 ] || echo "-$n").dump
      ln -- "$tmp" "$dir/$name" 2>/dev/null && break
    done
    [ "$n" -lt 100 ] || die "cannot name the backup in $dir: $DB_NAME-$SNAPSHOT_STAMP.dump and its -2 … -99 exist"
  fi
  rm -f "$tmp"
  sync -- "$dir/$name" "$dir"
  took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  size=$(stat -c %s "$dir/$name")
  say "backup $dir/$name ($size bytes, $took s; pg_dump -Fc of database $DB_NAME)"
  say "  snapshot_time $SNAPSHOT_TIME (every transaction committed before it is in the backup; nothing committed after the snapshot)"
  say "  wal_lsn $SNAPSHOT_LSN (the WAL position at the snapshot)"
  say "  txid_snapshot $SNAPSHOT_TXIDS (xmin:xmax:in-progress; transactions in progress or later are not in it)"
  say "  restore: deploy/ctl restore $dir/$name"
}

# db_tables DB: how many tables, views and sequences database DB holds outside the system schemas.
db_tables() {
  admin_psql -At -d "$1" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
      AND n.nspname NOT LIKE 'pg\_temp%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
}

# drop_scratch: drop the scratch database of a restore, if there is one.
drop_scratch() { admin_psql -d postgres -c "DROP DATABASE IF EXISTS $RESTORE_DB WITH (FORCE)" 2>/dev/null || true; }

# swap_in: put the scratch database in the place of database stacks. No new sessions into the old one, its
# sessions cut (workers and runners reconnect on their next request), both renames in one transaction.
swap_in() {
  admin_psql -d postgres -v db="$DB_NAME" -v scratch="$RESTORE_DB" -v old="$REPLACED_DB" <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"old" WITH (FORCE);
ALTER DATABASE :"db" ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid() \g /dev/null
BEGIN;
ALTER DATABASE :"db" RENAME TO :"old";
ALTER DATABASE :"scratch" RENAME TO :"db";
COMMIT;
SQL
}

# backup_restore [--force] FILE: rebuild database stacks of $STACKS_HOME from FILE (made by backup_write, or
# any pg_dump -Fc of a stacks database). Creates and starts the cluster as deploy/up does when there is
# none. Refuses a database holding tables unless --force. pg_restore (one transaction, objects owned by
# the owner role, no privileges from the file) fills a scratch database; deploy/migrate then gives the
# app role its grants (and applies any migration newer than the backup); only then is the scratch
# database renamed into place, the old one's sessions cut and the old one dropped. On any error the
# scratch database is dropped and database stacks is as it was.
backup_restore() {
  local force=false file err tables started took migrated lock
  while [ $# -gt 0 ]; do
    case $1 in
      --force) force=true ;;
      -*) die "restore takes --force and a FILE, not '$1'" ;;
      *) [ -z "${file:-}" ] || die "restore takes one FILE"; file=$1 ;;
    esac
    shift
  done
  [ -n "${file:-}" ] || die "usage: deploy/ctl restore [--force] FILE"
  require_root
  check_number STACKS_PG_PORT "$STACKS_PG_PORT"
  [ -f "$file" ] && [ -r "$file" ] || die "no readable file $file"
  [ "$(head -c 5 -- "$file")" = PGDMP ] || die "$file is not a pg_dump custom-format archive (deploy/ctl backup writes one)"
  [ -x "$PG_BIN/pg_restore" ] || die "no $PG_BIN/pg_restore: install postgresql-15 (deploy/up does)"
  err=$(mktemp)
  # shellcheck disable=SC2064 # the name is fixed now
  trap "rm -f '$err'" EXIT
  "$PG_BIN/pg_restore" --list -- "$file" >/dev/null 2>"$err" || { sed 's/^/  /' "$err" >&2; die "$file is damaged: its table of contents cannot be read"; }

  # The cluster, its roles and database stacks, as deploy/up makes them.
  make_dirs
  pg_init
  pg_start
  pg_setup_roles
  exec {lock}>"$RUN_DIR/restore.lock"
  flock -n "$lock" || die "another restore into $STACKS_HOME is running"
  tables=$(db_tables "$DB_NAME")
  if [ "$tables" != 0 ] && [ "$force" != true ]; then
    die "database $DB_NAME in $STACKS_HOME is not empty ($tables tables and sequences): restore --force replaces it"
  fi

  started=$EPOCHREALTIME
  drop_scratch
  # shellcheck disable=SC2064 # the names are fixed now
  trap "drop_scratch; rm -f '$err'" EXIT
  admin_psql -d postgres -v db="$RESTORE_DB" -v owner="$DB_OWNER" -v app="$STACKS_APP_ROLE" <<'SQL'
CREATE DATABASE :"db" OWNER :"owner";
REVOKE CREATE, TEMPORARY ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
SQL
  say "restoring $file into a scratch database ($RESTORE_DB)"
  if ! admin_env PGDATABASE="$RESTORE_DB" "$PG_BIN/pg_restore" --single-transaction --exit-on-error \
    --no-owner --no-privileges --role="$DB_OWNER" -d "$RESTORE_DB" -- "$file" 2>"$err"; then
    sed 's/^/  /' "$err" | head -n 20 >&2
    die "pg_restore failed: nothing restored, database $DB_NAME unchanged"
  fi
  migrated=$(admin_env PGDATABASE="$RESTORE_DB" STACKS_APP_ROLE="$STACKS_APP_ROLE" "$STACKS_ROOT/deploy/migrate" 2>&1) \
    || { echo "$migrated" >&2; die "deploy/migrate failed on the restored data: database $DB_NAME unchanged"; }
  echo "$migrated"

  swap_in || {
    admin_psql -d postgres -c "ALTER DATABASE $DB_NAME ALLOW_CONNECTIONS true" || true
    die "could not swap the restored database in: database $DB_NAME unchanged"
  }
  # shellcheck disable=SC2064 # the name is fixed now
  trap "rm -f '$err'" EXIT
  admin_psql -d postgres -c "DROP DATABASE IF EXISTS $REPLACED_DB WITH (FORCE)" \
    || warn "the replaced database $REPLACED_DB is still there: drop it with deploy/ctl psql -d postgres"
  took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  say "restored $file into database $DB_NAME of $STACKS_HOME in $took s: $(db_tables "$DB_NAME") tables and sequences," \
    "latest migration $(admin_psql -At -c 'SELECT max(version) FROM schema_migrations')"
  say "serve it: deploy/up (with this STACKS_HOME; a running stack's workers reconnect by themselves)"
}
