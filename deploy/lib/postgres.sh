# shellcheck shell=bash
# deploy/lib/postgres.sh — PostgreSQL: the local cluster (initdb, start, stop), peer authentication for the app role, admin psql.
# Sourced by deploy/lib.sh, never run.

as_postgres() { (cd / && runuser -u postgres -- "$@"); }
pg_ctl() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }
pg_running() { [ -f "$PG_DATA/PG_VERSION" ] && pg_ctl status >/dev/null 2>&1; }

# The port of the running cluster (postmaster.pid line 4), else STACKS_PG_PORT.
pg_port() {
  local p
  p=$(sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null || true)
  echo "${p:-$STACKS_PG_PORT}"
}

# ensure_db_group: the socket's group exists and holds postgres and the worker user (idempotent).
# A process started earlier keeps its old groups: pg_start restarts a postmaster whose socket is wrong.
ensure_db_group() {
  local u
  getent group "$DB_GROUP" >/dev/null || groupadd --system "$DB_GROUP"
  for u in postgres "$WORKER_USER"; do
    id -nG "$u" | tr ' ' '\n' | grep -qx "$DB_GROUP" || usermod -a -G "$DB_GROUP" "$u"
  done
}

# pg_log_settings: the clock and log lines of every cluster's stacks.conf (the local one, deploy/hosts' db hosts).
pg_log_settings() {
  cat <<'EOF'
timezone = 'UTC'
log_timezone = 'UTC'
log_destination = 'stderr'
logging_collector = off
log_min_messages = warning
# No personal data in this log: terse drops DETAIL, HINT and CONTEXT (a unique violation's
# "Key (email)=(…)", a check violation's failing row). The statement of a failed query is kept:
# the workers send every value as a bound parameter, and bound values are never logged.
log_error_verbosity = terse
log_min_error_statement = error
log_parameter_max_length = 0
log_parameter_max_length_on_error = 0
log_statement = 'none'
log_min_duration_statement = -1
log_lock_waits = on
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

# pg_init: create the cluster once; (re)write its settings, pg_hba.conf and pg_ident.conf on every
# call, so that a cluster made by an earlier deploy/up gets today's rules (pg_start reloads).
pg_init() {
  ensure_db_group
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "initdb $PG_DATA"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 || { cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  grep -q "^include_if_exists = 'stacks.conf'" "$PG_DATA/postgresql.conf" \
    || echo "include_if_exists = 'stacks.conf'" >>"$PG_DATA/postgresql.conf"
  cat >"$PG_DATA/stacks.conf" <<EOF
# Written by deploy/lib.sh on every deploy/up; edits are lost.
listen_addresses = ''
port = $STACKS_PG_PORT
unix_socket_directories = '$RUN_DIR'
# Only postgres and the members of $DB_GROUP (the worker user) may open the socket.
unix_socket_group = '$DB_GROUP'
unix_socket_permissions = 0770
max_connections = 100
# A killed worker's session (and its locks) goes within about a second, even mid-query.
client_connection_check_interval = 1s
$(pg_log_settings)
EOF
  # Local connections only, by peer (the OS user the kernel reports for the socket), through a map:
  # the worker user may be the app role and nothing else; no other local account gets in.
  cat >"$PG_DATA/pg_hba.conf" <<EOF
# Written by deploy/lib.sh on every deploy/up; edits are lost. No TCP listener (listen_addresses = '').
# TYPE  DATABASE  USER  METHOD
local   all       postgres  peer map=stacks
local   $DB_NAME  $STACKS_APP_ROLE  peer map=stacks
EOF
  cat >"$PG_DATA/pg_ident.conf" <<EOF
# Written by deploy/lib.sh on every deploy/up; edits are lost.
# MAP   OS USER  DATABASE ROLE
stacks  postgres  postgres
# root runs deploy/up, migrate, ctl psql and the tests (as the superuser and as the app role).
stacks  root  postgres
stacks  root  $STACKS_APP_ROLE
# The workers (pools, fcgiwrap's CGI processes, the preflight check, deploy/ctl app-psql).
stacks  $WORKER_USER  $STACKS_APP_ROLE
EOF
  chown postgres:postgres "$PG_DATA/stacks.conf" "$PG_DATA/pg_hba.conf" "$PG_DATA/pg_ident.conf"
  chmod 0600 "$PG_DATA/pg_hba.conf" "$PG_DATA/pg_ident.conf"
}

# pg_socket_ok: the running cluster's socket has the group and mode stacks.conf asks for. Both are
# read only at start: a cluster started by an older deploy/up, or before postgres joined $DB_GROUP,
# still has its old socket until it restarts.
pg_socket_ok() { [ "$(stat -c '%G %a' "$RUN_DIR/.s.PGSQL.$STACKS_PG_PORT" 2>/dev/null)" = "$DB_GROUP 770" ]; }

# pg_start: start the cluster, or keep the running one (reloading its settings and access rules;
# restarting only when the port, the socket folder or the socket's group and mode must change).
pg_start() {
  if pg_running; then
    if [ "$(sed -n 4p "$PG_DATA/postmaster.pid")" != "$STACKS_PG_PORT" ] \
       || [ "$(sed -n 5p "$PG_DATA/postmaster.pid")" != "$RUN_DIR" ]; then
      say "PostgreSQL port or socket folder changed: restarting it"
      pg_stop
    elif ! pg_socket_ok; then
      say "PostgreSQL socket is not yet $DB_GROUP 0770: restarting it"
      pg_stop
    else
      pg_ctl reload >/dev/null
      return 0
    fi
  fi
  pg_ctl -l "$LOG_DIR/postgres.log" -w -t 60 start >/dev/null \
    || { tail -n 20 "$LOG_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
}

pg_stop() {
  if pg_running; then
    local pid
    pid=$(head -n1 "$PG_DATA/postmaster.pid")
    pg_ctl stop -m fast -w -t 60 >/dev/null
    say "stopped postgres ($pid)"
  fi
}

# Run a command with no PG* variables but the given ones (caller's settings must not leak in).
clean_pg_env() {
  local v unset_args=()
  for v in $(compgen -e); do
    case $v in PG* | DATABASE_URL) unset_args+=(-u "$v") ;; esac
  done
  env "${unset_args[@]}" "$@"
}

# admin_env CMD…: run CMD with libpq aimed at the local cluster as the superuser.
admin_env() { clean_pg_env PGHOST="$RUN_DIR" PGPORT="$(pg_port)" PGUSER=postgres PGDATABASE="$DB_NAME" "$@"; }

# admin_psql [psql args…]: scripted superuser psql into the stacks database (-d to change).
admin_psql() { admin_env psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# pg_setup_roles: database stacks owned by stacks_owner (NOLOGIN); the app role may log in and
# connect, and gets its table privileges from deploy/migrate. Idempotent.
pg_setup_roles() {
  admin_psql -d postgres -v app="$STACKS_APP_ROLE" -v owner="$DB_OWNER" -v db="$DB_NAME" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I NOLOGIN', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE CREATE, TEMPORARY ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
SQL
}
