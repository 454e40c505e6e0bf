# shellcheck shell=bash source-path=SCRIPTDIR
# deploy/lib.sh — shared shell functions for deploy/up, down, ctl, test and migrate (sourced, never run).
# Resolves the project root and the state folder, installs packages, and keeps the pid-file helpers;
# each piece of a local stack has a file of its own in deploy/lib/: postgres.sh, env.sh (the workers'
# environment), pools.sh (spawn-fcgi + multiwatch, fcgiwrap, the job runners), nginx.sh and backup.sh.

STACKS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STACKS_HOME=${STACKS_HOME:-$STACKS_ROOT/.stacks}
case $STACKS_HOME in /*) ;; *) STACKS_HOME=$PWD/$STACKS_HOME ;; esac
STACKS_HOME=${STACKS_HOME%/}

STACKS_PORT=${STACKS_PORT:-8080}
STACKS_PG_PORT=${STACKS_PG_PORT:-54329}
STACKS_WORKERS=${STACKS_WORKERS:-2}
STACKS_RUNNERS=${STACKS_RUNNERS:-2}
STACKS_MODE=${STACKS_MODE:-pooled}
STACKS_APP_ROLE=${STACKS_APP_ROLE:-stacks_app}

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=$STACKS_HOME/pg
PG_DATA=$PG_DIR/data
RUN_DIR=$STACKS_HOME/run
LOG_DIR=$STACKS_HOME/log
ENV_FILE=$STACKS_HOME/stacks.env
JWT_FILE=$STACKS_HOME/jwt_keys
WEBHOOK_KEYS_FILE=$STACKS_HOME/webhook_keys
NGINX_CONF=$STACKS_HOME/nginx.conf
SITE_CONF=$STACKS_HOME/site.conf
WWW_DIR=$STACKS_HOME/www
BIN_DIR=$STACKS_HOME/bin
DB_NAME=stacks
DB_OWNER=stacks_owner
WORKER_USER=www-data
WORKER_GROUP=www-data
# The group of PostgreSQL's socket: postgres and the worker user, nobody else (root needs no group).
# A supplementary group of www-data, not its primary one: spawn-fcgi (-u), setpriv --init-groups,
# runuser and nginx all call initgroups(3), so every worker, CGI process and preflight run has it,
# while files the workers own keep the group www-data.
DB_GROUP=stacks-db
STACKS_PACKAGES=(postgresql-15 libpq-dev libfcgi-dev libsodium-dev libcurl4-openssl-dev nginx spawn-fcgi multiwatch fcgiwrap libfcgi-bin curl procps iproute2)
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

# ensure_python_modules: pytest and requests for the end-to-end suite, jsonschema (4.18 or later, with
# referencing) and openapi-spec-validator for the OpenAPI document's tests, and schemathesis at the
# version the contract fuzzing was written for. Debian's python3 gets what Debian packages and the rest
# from PyPI (Debian 12 has no openapi-spec-validator, referencing nor schemathesis); any other python3
# first on PATH gets all of it from PyPI.
SCHEMATHESIS_VERSION=4.32.5
ensure_python_modules() {
  local check='import pytest, requests, jsonschema, referencing, openapi_spec_validator'
  local pinned="import sys, schemathesis; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')"
  python3 -c "$check" 2>/dev/null && python3 -c "$pinned" 2>/dev/null && return 0
  local from_pypi=('jsonschema>=4.18' referencing openapi-spec-validator "schemathesis==$SCHEMATHESIS_VERSION")
  if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    ensure_packages python3-pytest python3-requests python3-pip
    python3 -m pip install -q --break-system-packages "${from_pypi[@]}"
  else
    python3 -m pip install -q pytest requests "${from_pypi[@]}"
  fi
  python3 -c "$check" || die "python3 cannot import pytest, requests, jsonschema, referencing and openapi_spec_validator"
  python3 -c "$pinned" || die "python3 cannot import schemathesis $SCHEMATHESIS_VERSION"
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
# its own session, so its supervisor's pid is the group id); non-zero if some still are. A zombie
# counts as gone: it holds nothing, and an orphan's waits for init to reap it (seconds, on some hosts).
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    group_running "$1" || return 0
    sleep 0.1
  done
  ! group_running "$1"
}

# group_running PGID: whether a process of group PGID runs (zombies aside).
group_running() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; }

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

# --- components, one file each --------------------------------------------------------------
# shellcheck source=lib/postgres.sh
. "$STACKS_ROOT/deploy/lib/postgres.sh"
# shellcheck source=lib/env.sh
. "$STACKS_ROOT/deploy/lib/env.sh"
# shellcheck source=lib/pools.sh
. "$STACKS_ROOT/deploy/lib/pools.sh"
# shellcheck source=lib/nginx.sh
. "$STACKS_ROOT/deploy/lib/nginx.sh"
# shellcheck source=lib/backup.sh
. "$STACKS_ROOT/deploy/lib/backup.sh"
