# shellcheck shell=bash
# deploy/lib.sh — shared shell functions for deploy/up, down, ctl, test and migrate (sourced, never run).
# Resolves the project root and the state folder, installs packages, and starts/stops the pieces of a
# local stack (PostgreSQL, worker pools, fcgiwrap, nginx) by pid files kept in $STACKS_HOME/run.

STACKS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STACKS_HOME=${STACKS_HOME:-$STACKS_ROOT/.stacks}
case $STACKS_HOME in /*) ;; *) STACKS_HOME=$PWD/$STACKS_HOME ;; esac
STACKS_HOME=${STACKS_HOME%/}

STACKS_PORT=${STACKS_PORT:-8080}
STACKS_PG_PORT=${STACKS_PG_PORT:-54329}
STACKS_WORKERS=${STACKS_WORKERS:-2}
STACKS_MODE=${STACKS_MODE:-pooled}
STACKS_APP_ROLE=${STACKS_APP_ROLE:-stacks_app}

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=$STACKS_HOME/pg
PG_DATA=$PG_DIR/data
RUN_DIR=$STACKS_HOME/run
LOG_DIR=$STACKS_HOME/log
ENV_FILE=$STACKS_HOME/stacks.env
JWT_FILE=$STACKS_HOME/jwt_keys
NGINX_CONF=$STACKS_HOME/nginx.conf
SITE_CONF=$STACKS_HOME/site.conf
DB_NAME=stacks
DB_OWNER=stacks_owner
WORKER_USER=www-data
WORKER_GROUP=www-data
# The group of PostgreSQL's socket: postgres and the worker user, nobody else (root needs no group).
# A supplementary group of www-data, not its primary one: spawn-fcgi (-u), setpriv --init-groups,
# runuser and nginx all call initgroups(3), so every worker, CGI process and preflight run has it,
# while files the workers own keep the group www-data.
DB_GROUP=stacks-db
STACKS_PACKAGES=(postgresql-15 libpq-dev libfcgi-dev libsodium-dev nginx spawn-fcgi multiwatch fcgiwrap curl procps)
# multiwatch: a child that dies within 100 ms of its start counts as a failed start, and only
# 1,000,000 failed starts in a row make it give up: a kill every 100 ms for hours is respawned.
# No -s: Debian's multiwatch 1.0.0 maps -s NAME to the wrong signal (-s TERM sends SIGQUIT). On TERM it
# sends its children SIGUSR1, which libfcgi's own handler (FCGX_Init) turns into FCGX_ShutdownPending.
MULTIWATCH_ARGS=(-r 1000000 -t 100)
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say()  { printf 'stacks: %s\n' "$*"; }
warn() { printf 'stacks: warning: %s\n' "$*" >&2; }
die()  { printf 'stacks: error: %s\n' "$*" >&2; exit 1; }

require_root() { [ "$(id -u)" = 0 ] || die "run as root (PostgreSQL runs as 'postgres', workers and nginx as $WORKER_USER)"; }

# ensure_packages [extra…]: apt-get install what dpkg says is missing; apt-get update only then.
ensure_packages() {
  local p missing=()
  for p in "${STACKS_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_python_modules: pytest and requests for the end-to-end suite (apt for Debian's python3,
# pip for any other python3 first on PATH).
ensure_python_modules() {
  python3 -c 'import pytest, requests' 2>/dev/null && return 0
  if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    ensure_packages python3-pytest python3-requests
  else
    python3 -m pip install -q pytest requests
  fi
  python3 -c 'import pytest, requests' || die "python3 cannot import pytest and requests"
}

# A value that must be a positive integer (ports, worker counts).
check_number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not '$2'"; }

# --- processes and pid files -------------------------------------------------------------

# pid_alive PIDFILE NAME: print the pid if the file names a live process whose command is NAME.
pid_alive() {
  local pid comm
  [ -s "$1" ] || return 1
  pid=$(head -n1 "$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [ "$comm" = "$2" ] || return 1
  echo "$pid"
}

# wait_gone PGID SECONDS: wait until no process is left in process group PGID (each pool runs in
# its own session, so its supervisor's pid is the group id); non-zero if some still are.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    pgrep -g "$1" >/dev/null || return 0
    sleep 0.1
  done
  ! pgrep -g "$1" >/dev/null
}

# stop_pidfile PIDFILE NAME SECONDS [group]: TERM to the process (or to its whole process group),
# wait until the group is empty, then KILL what is left. Prints what it stopped; silent when nothing ran.
stop_pidfile() {
  local pidfile=$1 name=$2 secs=$3 target pid
  if pid=$(pid_alive "$pidfile" "$name"); then
    target=$pid
    [ "${4:-}" = group ] && target=-$pid
    kill -TERM -- "$target" 2>/dev/null || true
    if ! wait_gone "$pid" "$secs"; then
      warn "$name ($pid) still running after ${secs}s: KILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || true
    fi
    say "stopped $(basename "$pidfile" .pid) ($name $pid)"
  fi
  rm -f "$pidfile"
}

wait_for_socket() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ -S "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

wait_for_port() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# can_access USER TEST PATH: e.g. can_access www-data -x /path/bin
can_access() { (cd / && setpriv --reuid "$1" --regid "$1" --init-groups test "$2" "$3") 2>/dev/null; }

# --- state folder --------------------------------------------------------------------------

make_dirs() {
  install -d -m 0755 "$STACKS_HOME" "$STACKS_HOME/nginx"
  # Logs hold request lines (nginx's error log quotes query strings): closed to other local
  # accounts; group postgres, so that pg_ctl (as postgres) can reach its own log file.
  install -d -m 0750 -o root -g postgres "$LOG_DIR"
  install -d -m 0755 -o postgres -g postgres "$RUN_DIR"
  install -d -m 0700 -o postgres -g postgres "$PG_DIR"
  [ -e "$LOG_DIR/postgres.log" ] || install -m 0640 -o postgres -g postgres /dev/null "$LOG_DIR/postgres.log"
  can_access postgres -x "$STACKS_HOME" \
    || die "user postgres cannot enter $STACKS_HOME: use a STACKS_HOME on a world-traversable path"
  can_access "$WORKER_USER" -x "$RUN_DIR" || die "user $WORKER_USER cannot enter $RUN_DIR"
  # A unix socket path holds at most 107 bytes.
  [ ${#RUN_DIR} -le 80 ] || die "STACKS_HOME is too long for unix socket paths: $RUN_DIR"
}

# --- PostgreSQL ----------------------------------------------------------------------------

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

# --- worker environment ----------------------------------------------------------------------

# Names a deployment may pass to the worker: every variable of deploy/stacks.env.example.
known_stacks_vars() {
  sed -nE 's/^#? *((STACKS_[A-Z0-9_]+|DATABASE_URL))=.*/\1/p' "$STACKS_ROOT/deploy/stacks.env.example" | sort -u
}

# env_line NAME VALUE: one line for a file that both `set -a; .` and systemd's EnvironmentFile read.
env_line() {
  case $2 in *"'"* | *$'\n'* | *\\*) die "$1 may not contain quotes, backslashes or newlines" ;; esac
  printf "%s='%s'\n" "$1" "$2"
}

# jwt_keys: the caller's STACKS_JWT_KEYS, else the key generated once into $JWT_FILE.
jwt_keys() {
  if [ -n "${STACKS_JWT_KEYS:-}" ]; then
    echo "$STACKS_JWT_KEYS"
    return
  fi
  if [ ! -s "$JWT_FILE" ]; then
    (umask 077 && echo "k1:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$JWT_FILE")
  fi
  cat "$JWT_FILE"
}

# write_worker_env FILE: the caller's STACKS_*/PG*/DATABASE_URL where set, else the local defaults.
# deploy/up writes $ENV_FILE.new, checks it with worker_preflight, then moves it in place.
write_worker_env() {
  local v known tmp=$1
  known=$(known_stacks_vars)
  {
    echo "# Worker environment written by deploy/up on $(date -u +%FT%TZ); see deploy/stacks.env.example."
    env_line STACKS_JWT_KEYS "$(jwt_keys)"
    env_line STACKS_OPEN_KEYS "${STACKS_OPEN_KEYS:-true}"
    for v in $(compgen -e | grep -E '^STACKS_' | sort); do
      case $v in
        STACKS_JWT_KEYS | STACKS_OPEN_KEYS | STACKS_HOME | STACKS_PORT | STACKS_PG_PORT | STACKS_WORKERS | STACKS_BIN | STACKS_MODE | STACKS_APP_ROLE) continue ;;
        STACKS_ROOT | STACKS_TEST_*) continue ;; # the test harness's own names, never the worker's
      esac
      if grep -qx "$v" <<<"$known"; then
        env_line "$v" "${!v}"
      else
        warn "$v is not in deploy/stacks.env.example: not passed to the workers" >&2
      fi
    done
    if [ -n "${DATABASE_URL:-}" ]; then
      env_line DATABASE_URL "$DATABASE_URL"
    fi
    env_line PGHOST "${PGHOST:-$RUN_DIR}"
    env_line PGPORT "${PGPORT:-$STACKS_PG_PORT}"
    env_line PGDATABASE "${PGDATABASE:-$DB_NAME}"
    env_line PGUSER "${PGUSER:-$STACKS_APP_ROLE}"
    for v in $(compgen -e | grep -E '^PG' | sort); do
      case $v in PGHOST | PGPORT | PGDATABASE | PGUSER) ;; *) env_line "$v" "${!v}" ;; esac
    done
    echo "# Deployment settings (the worker accepts and ignores them)."
    env_line STACKS_HOME "$STACKS_HOME"
    env_line STACKS_PORT "$STACKS_PORT"
    env_line STACKS_PG_PORT "$STACKS_PG_PORT"
    env_line STACKS_WORKERS "$STACKS_WORKERS"
    env_line STACKS_BIN "$STACKS_BIN"
    env_line STACKS_MODE "$STACKS_MODE"
    env_line STACKS_APP_ROLE "$STACKS_APP_ROLE"
  } >"$tmp"
  chown "root:$WORKER_GROUP" "$tmp"
  chmod 0640 "$tmp"
}

# worker_preflight ENVFILE: run the worker once as plain CGI (GET /api/health), as the worker user,
# with exactly that environment. It exits 2 with a one-line reason on a bad configuration, which
# stops deploy/up before anything running is touched.
worker_preflight() {
  local out rc=0
  out=$(mktemp)
  (cd / && env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 bash -c 'set -a; . "$1"; set +a; shift; exec "$@"' worker-env "$1" setpriv --reuid "$WORKER_USER" --regid "$WORKER_GROUP" --init-groups \
     env GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET REQUEST_URI=/api/health \
     SCRIPT_NAME=/api/health DOCUMENT_URI=/api/health QUERY_STRING= SERVER_NAME=localhost \
     SERVER_PORT="$STACKS_PORT" REMOTE_ADDR=127.0.0.1 REQUEST_ID=preflight HTTP_HOST=localhost \
     timeout 30 "$STACKS_BIN" </dev/null >"$out" 2>&1) || rc=$?
  if [ "$rc" = 2 ]; then
    cat "$out" >&2
    rm -f "$out" "$1"
    die "the worker refused its configuration (exit 2): see above; nothing was restarted"
  elif [ "$rc" != 0 ]; then
    warn "the worker's CGI check (GET /api/health) exited $rc:"
    head -c 2000 "$out" >&2
  fi
  rm -f "$out"
}

# check_binary: the worker user must reach and run $STACKS_BIN.
check_binary() {
  [ -x "$STACKS_BIN" ] || die "worker binary $STACKS_BIN not found or not executable"
  can_access "$WORKER_USER" -x "$STACKS_BIN" \
    || die "user $WORKER_USER cannot run $STACKS_BIN: every folder above it needs o+x (chmod o+x …)"
}

# --- worker pools --------------------------------------------------------------------------

# spawn_pool NAME PROGRAM…: spawn-fcgi binds $RUN_DIR/NAME.sock (www-data may connect) and execs
# PROGRAM as the worker user, in its own session, output appended to $LOG_DIR/NAME.log.
spawn_pool() {
  local name=$1 i
  shift
  local sock=$RUN_DIR/$name.sock pidfile=$RUN_DIR/$name.pid log=$LOG_DIR/$name.log
  rm -f "$sock" "$pidfile"
  echo "--- $(date -u +%FT%TZ) start $name" >>"$log"
  # One process all along: subshell → env → setsid → bash (writes its pid) → spawn-fcgi → PROGRAM.
  (cd / && exec env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 setsid \
     bash -c 'set -a; . "$1"; set +a; echo $$ >"$2"; shift 2; exec "$@"' pool "$ENV_FILE" "$pidfile" \
     spawn-fcgi -n -s "$sock" -M 0660 -U www-data -G www-data -u "$WORKER_USER" -g "$WORKER_GROUP" -- "$@") \
    >>"$log" 2>&1 </dev/null &
  for ((i = 0; i < 100; i++)); do
    [ -s "$pidfile" ] && [ -S "$sock" ] && break
    sleep 0.1
  done
  wait_for_socket "$sock" 10 || { tail -n 20 "$log" >&2; die "$name did not bind $sock"; }
}

pool_start() {
  local i=$1 pid start
  touch "$LOG_DIR/pool$i.log"
  start=$(wc -l <"$LOG_DIR/pool$i.log")
  spawn_pool "pool$i" /usr/bin/multiwatch -f "$STACKS_WORKERS" "${MULTIWATCH_ARGS[@]}" -- "$STACKS_BIN"
  sleep 0.5
  pid=$(pid_alive "$RUN_DIR/pool$i.pid" multiwatch) || { tail -n 20 "$LOG_DIR/pool$i.log" >&2; die "pool$i died at start"; }
  # A worker that cannot start is respawned at once, again and again: catch that here.
  if [ "$(tail -n +"$((start + 1))" "$LOG_DIR/pool$i.log" | grep -c 'failed, next try')" -gt 20 ]; then
    pool_stop "$i"
    tail -n 20 "$LOG_DIR/pool$i.log" >&2
    die "pool$i workers keep dying at start (see $LOG_DIR/pool$i.log)"
  fi
  say "pool$i: multiwatch $pid, workers $(pgrep -P "$pid" | tr '\n' ' ')"
}

# pool_stop N: TERM to multiwatch, which stops respawning, sends each worker SIGUSR1 (finish the
# request in hand, then exit) and exits when they have.
pool_stop() {
  stop_pidfile "$RUN_DIR/pool$1.pid" multiwatch 40
  rm -f "$RUN_DIR/pool$1.sock"
}

# pools_start: (re)start pool 1 then pool 2, so that one of them is serving while the other restarts.
pools_start() {
  pool_stop 1
  pool_start 1
  pool_stop 2
  pool_start 2
}

pools_stop() {
  pool_stop 1
  pool_stop 2
}

# The local stand-in for stacks-maintain.timer: deploy/maintain now and then every hour, while the
# stack runs, in its own session (stopped with its group by deploy/down).
maintain_start() {
  maintain_stop >/dev/null
  admin_env STACKS_IDEMPOTENCY_TTL="${STACKS_IDEMPOTENCY_TTL:-86400}" \
    setsid bash -c 'while :; do "$0"; sleep 3600; done' "$STACKS_ROOT/deploy/maintain" \
    </dev/null >>"$LOG_DIR/maintain.log" 2>&1 &
  echo $! >"$RUN_DIR/maintain.pid"
}

maintain_stop() { stop_pidfile "$RUN_DIR/maintain.pid" bash 5 group; }

# fcgiwrap runs the worker binary itself per request (SCRIPT_FILENAME), with no shell between: it
# passes the request's params exactly as nginx sent them (a repeated header stays repeated, which a
# shell's variable table would collapse) and adds its own environment, loaded from $ENV_FILE by
# spawn_pool, for every name the request does not set (never HTTP_*).
cgi_start() {
  local pid
  cgi_stop
  rm -f "$RUN_DIR/stacks-cgi" # the shell wrapper of earlier versions
  spawn_pool cgi /usr/sbin/fcgiwrap -c 4
  sleep 0.2
  pid=$(pid_alive "$RUN_DIR/cgi.pid" fcgiwrap) || { tail -n 20 "$LOG_DIR/cgi.log" >&2; die "fcgiwrap died at start"; }
  say "cgi: fcgiwrap $pid running $STACKS_BIN"
}

# fcgiwrap's parent does not pass TERM on, so the whole process group is signalled; and fcgiwrap
# answers 502 for a request in hand when signalled, so first wait (30 s at most) until no CGI process
# runs. (deploy/down stops nginx first, so nothing new arrives meanwhile.)
cgi_stop() {
  local pid i
  if pid=$(pid_alive "$RUN_DIR/cgi.pid" fcgiwrap); then
    for ((i = 0; i < 300; i++)); do
      ps -o comm= -g "$pid" | grep -qvx fcgiwrap || break
      sleep 0.1
    done
  fi
  stop_pidfile "$RUN_DIR/cgi.pid" fcgiwrap 40 group
  rm -f "$RUN_DIR/cgi.sock"
}

# --- nginx ---------------------------------------------------------------------------------

# render TEMPLATE OUT NAME=VALUE…: replace each @NAME@ with VALUE (multi-line values allowed).
render() {
  local tpl=$1 out=$2 kv text
  shift 2
  text=$(<"$tpl")
  for kv in "$@"; do
    text=${text//"@${kv%%=*}@"/"${kv#*=}"}
  done
  if grep -qE '@[A-Z_]+@' <<<"$text"; then
    die "unrendered placeholders in $out: $(grep -oE '@[A-Z_]+@' <<<"$text" | sort -u | tr '\n' ' ')"
  fi
  printf '%s\n' "$text" >"$out"
}

render_nginx() {
  local upstream
  if [ "$STACKS_MODE" = cgi ]; then
    upstream="    server unix:$RUN_DIR/cgi.sock max_fails=0;"
  else
    upstream="    server unix:$RUN_DIR/pool1.sock max_fails=0;
    server unix:$RUN_DIR/pool2.sock max_fails=0;"
  fi
  # nginx's body limit is the workers' (the worker checked the value at its preflight; default as in Config.swift).
  check_number STACKS_MAX_BODY "${STACKS_MAX_BODY:-1048576}"
  render "$STACKS_ROOT/nginx/stacks.conf" "$SITE_CONF" \
    "RUN=$RUN_DIR" "PORT=$STACKS_PORT" "LOG=$LOG_DIR" "CGI_SCRIPT=$STACKS_BIN" "UPSTREAM_SERVERS=$upstream" \
    "MAX_BODY=${STACKS_MAX_BODY:-1048576}"
  cat >"$NGINX_CONF" <<EOF
# Main nginx config for the local stack, written by deploy/lib.sh; the site is $SITE_CONF.
user $WORKER_USER;
worker_processes 2;
worker_rlimit_nofile 16384;
daemon on;
pid $RUN_DIR/nginx.pid;
error_log $LOG_DIR/nginx-error.log warn;
events { worker_connections 4096; }
http {
    server_tokens off;
    sendfile on;
    keepalive_timeout 65s;
    client_body_temp_path $STACKS_HOME/nginx/client_body;
    fastcgi_temp_path $STACKS_HOME/nginx/fastcgi;
    proxy_temp_path $STACKS_HOME/nginx/proxy;
    uwsgi_temp_path $STACKS_HOME/nginx/uwsgi;
    scgi_temp_path $STACKS_HOME/nginx/scgi;
    include $SITE_CONF;
}
EOF
}

nginx_cmd() { nginx -p "$STACKS_HOME/nginx/" -c "$NGINX_CONF" -e "$LOG_DIR/nginx-error.log" "$@"; }

# nginx_start: start nginx, or reload the running one and wait until its old workers are gone
# (so that the next request already sees the new upstream).
nginx_start() {
  local pid old i
  nginx_cmd -t -q || die "nginx rejected $NGINX_CONF"
  if pid=$(pid_alive "$RUN_DIR/nginx.pid" nginx); then
    old=$(pgrep -P "$pid" || true)
    nginx_cmd -s reload </dev/null >>"$LOG_DIR/nginx-error.log" 2>&1
    for ((i = 0; i < 150; i++)); do
      local still=0 w
      for w in $old; do kill -0 "$w" 2>/dev/null && still=1; done
      [ "$still" = 0 ] && break
      sleep 0.1
    done
    say "nginx: reloaded ($pid)"
  else
    rm -f "$RUN_DIR/nginx.pid"
    nginx_cmd </dev/null >>"$LOG_DIR/nginx-error.log" 2>&1 || { tail -n 5 "$LOG_DIR/nginx-error.log" >&2; die "nginx did not start"; }
    wait_for_port 127.0.0.1 "$STACKS_PORT" 10 || die "nginx is not listening on 127.0.0.1:$STACKS_PORT"
    say "nginx: started ($(pid_alive "$RUN_DIR/nginx.pid" nginx || echo '?'))"
  fi
}

# nginx_stop: graceful QUIT, then TERM/KILL.
nginx_stop() {
  local pid
  if pid=$(pid_alive "$RUN_DIR/nginx.pid" nginx); then
    kill -QUIT "$pid" 2>/dev/null || true
    wait_gone "$pid" 15 || { kill -TERM "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || kill -KILL -- "-$pid" 2>/dev/null || true; }
    say "stopped nginx ($pid)"
  fi
  rm -f "$RUN_DIR/nginx.pid"
}

# wait_healthy SECONDS: GET /api/health through nginx until it answers 200.
wait_healthy() {
  local i code=000
  for ((i = 0; i < $1 * 5; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$STACKS_PORT/api/health" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.2
  done
  warn "GET /api/health answered $code"
  return 1
}
