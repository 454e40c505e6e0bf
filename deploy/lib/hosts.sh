# shellcheck shell=bash
# deploy/lib/hosts.sh — the several-hosts topology of deploy/hosts: app and db hosts as network namespaces
# on a private bridge, a TCP worker pool and a job runner in each app host, PostgreSQL with a synchronous
# streaming replica in the db hosts, nginx in the root namespace over every app host.
# Sourced by deploy/hosts after deploy/lib.sh, never run.

HOSTS_DIR=$STACKS_HOME/hosts
SECRETS_DIR=$STACKS_HOME/secrets
HOSTS_PG_PORT=5432
# Each app host's pool listens on one of these; a rollout starts the new pool on the other one.
HOSTS_POOL_PORTS=(9000 9001)
# nginx marks a host down after one failed connection and tries it again after this many seconds.
HOSTS_FAIL_TIMEOUT=5
REPLICATION_ROLE=stacks_replication
HOSTS_ROLES=(postgres "$DB_OWNER" "$STACKS_APP_ROLE" "$REPLICATION_ROLE")

# --- settings and names ----------------------------------------------------------------------

# hosts_settings: STACKS_HOSTS_NET, STACKS_HOSTS_PREFIX and nginx's port checked, or the ones recorded by
# `up` (a later command may not name another topology than the one running; HOSTS_PORT_GIVEN is the
# caller's STACKS_PORT, before its default); sets HOSTS_BASE (the /24's first three octets), HOSTS_PREFIX
# and HOSTS_BRIDGE.
hosts_settings() {
  local net=${STACKS_HOSTS_NET:-} prefix=${STACKS_HOSTS_PREFIX:-} recorded
  [[ $net =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && net=$net.0/24
  if [ -s "$HOSTS_DIR/port" ]; then
    recorded=$(<"$HOSTS_DIR/port")
    [ -z "${HOSTS_PORT_GIVEN:-}" ] || [ "$HOSTS_PORT_GIVEN" = "$recorded" ] \
      || die "STACKS_PORT=$HOSTS_PORT_GIVEN, but the topology of $STACKS_HOME listens on $recorded"
    # shellcheck disable=SC2034 # read by lib.sh's nginx functions and deploy/hosts
    STACKS_PORT=$recorded
  fi
  if [ -s "$HOSTS_DIR/net" ]; then
    recorded=$(<"$HOSTS_DIR/net")
    [ -z "$net" ] || [ "$net" = "$recorded" ] || die "STACKS_HOSTS_NET=$net, but $STACKS_HOME runs $recorded"
    net=$recorded
  fi
  if [ -s "$HOSTS_DIR/prefix" ]; then
    recorded=$(<"$HOSTS_DIR/prefix")
    [ -z "$prefix" ] || [ "$prefix" = "$recorded" ] || die "STACKS_HOSTS_PREFIX=$prefix, but $STACKS_HOME runs $recorded"
    prefix=$recorded
  fi
  net=${net:-10.77.0.0/24}
  prefix=${prefix:-stk}
  [[ $net =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(\.0/24)?$ ]] \
    || die "STACKS_HOSTS_NET must be a /24 such as 10.77.0.0/24, not '$net'"
  local a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} c=${BASH_REMATCH[3]}
  { [ "$a" = 10 ] && [ "$b" -le 255 ]; } || { [ "$a" = 172 ] && [ "$b" -ge 16 ] && [ "$b" -le 31 ]; } \
    || { [ "$a" = 192 ] && [ "$b" = 168 ]; } || die "STACKS_HOSTS_NET must be a private subnet (10/8, 172.16/12, 192.168/16), not '$net'"
  [ "$c" -le 255 ] || die "STACKS_HOSTS_NET: '$net' is not an address"
  # Interface names hold 15 bytes: <prefix>-app244.
  [[ $prefix =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "STACKS_HOSTS_PREFIX must be 1–8 lower-case letters and digits, not '$prefix'"
  HOSTS_NET=$a.$b.$c.0/24
  HOSTS_BASE=$a.$b.$c
  HOSTS_PREFIX=$prefix
  HOSTS_BRIDGE=${prefix}br0
}

# host_ns HOST: the network namespace of a host (app1, db1 …); host_link HOST: the root side of its veth pair.
host_ns() { echo "$HOSTS_PREFIX-$1"; }
host_link() { echo "$HOSTS_PREFIX-$1"; }

# host_addr HOST: db1 .2, db2 .3, appN .(10+N).
host_addr() {
  case $1 in
    db1) echo "$HOSTS_BASE.2" ;;
    db2) echo "$HOSTS_BASE.3" ;;
    app*) echo "$HOSTS_BASE.$((10 + ${1#app}))" ;;
    *) die "no such host: $1" ;;
  esac
}

# app_hosts: the app hosts of the topology, in order (app1 app2 …).
app_hosts() {
  local d
  for d in "$HOSTS_DIR"/app*/; do
    [ -d "$d" ] && basename "$d"
  done | sort -V
}

DB_HOSTS=(db1 db2)

# check_host HOST [app|db]: die unless HOST is one of the topology's (app or db) hosts.
check_host() {
  local kind=${2:-}
  case $1 in
    app*) [ "$kind" != db ] && [[ $1 =~ ^app[1-9][0-9]*$ ]] && [ -d "$HOSTS_DIR/$1" ] && return 0 ;;
    db1 | db2) [ "$kind" != app ] && return 0 ;;
  esac
  die "no such ${kind:+$kind }host: '$1' (hosts: $(app_hosts | tr '\n' ' ')${DB_HOSTS[*]})"
}

# --- secrets ---------------------------------------------------------------------------------

# secret ROLE: the role's password, generated once into $SECRETS_DIR/ROLE (mode 0600).
secret() {
  local file=$SECRETS_DIR/$1
  if [ ! -s "$file" ]; then
    install -d -m 0700 "$SECRETS_DIR"
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

# make_secrets: every role's password generated (once).
make_secrets() {
  local role
  for role in "${HOSTS_ROLES[@]}"; do secret "$role" >/dev/null; done
}

# app_url: the workers' DATABASE_URL: both db hosts, the one that accepts writes wins. A db host cut off
# the network sends no FIN: without a TCP user timeout and keepalives, a worker waiting on its connection
# (or sending on an idle one) would wait for TCP's retransmissions, a quarter of an hour; with them, the
# connection fails within seconds, the worker answers 503 and connects afresh on its next request.
app_url() {
  printf 'postgresql://%s:%s@%s:%s,%s:%s/%s?target_session_attrs=read-write&connect_timeout=2&tcp_user_timeout=3000&keepalives_idle=3&keepalives_interval=1&keepalives_count=2' \
    "$STACKS_APP_ROLE" "$(secret "$STACKS_APP_ROLE")" "$(host_addr db1)" "$HOSTS_PG_PORT" \
    "$(host_addr db2)" "$HOSTS_PG_PORT" "$DB_NAME"
}

# role_url ROLE HOST [DB]: a libpq URL as ROLE to one db host.
role_url() {
  printf 'postgresql://%s:%s@%s:%s/%s' "$1" "$(secret "$1")" "$(host_addr "$2")" "$HOSTS_PG_PORT" "${3:-$DB_NAME}"
}

# db_psql HOST ROLE [psql args…]: scripted psql over TCP to one db host as ROLE; the password goes in the
# environment, never on a command line.
db_psql() {
  local host=$1 role=$2
  shift 2
  clean_pg_env PGHOST="$(host_addr "$host")" PGPORT="$HOSTS_PG_PORT" PGUSER="$role" PGDATABASE="$DB_NAME" \
    PGPASSWORD="$(secret "$role")" PGCONNECT_TIMEOUT=3 PGAPPNAME=deploy-hosts psql -X -q -v ON_ERROR_STOP=1 "$@"
}

# --- network ---------------------------------------------------------------------------------

# net_up: the bridge in the root namespace with the subnet's .1; refuses a subnet another link routes.
net_up() {
  local dev
  dev=$(ip -o -4 route show to exact "$HOSTS_NET" | sed -nE 's/.* dev ([^ ]+).*/\1/p' | head -n1)
  [ -z "$dev" ] || [ "$dev" = "$HOSTS_BRIDGE" ] || die "$HOSTS_NET is already routed to $dev: choose another STACKS_HOSTS_NET"
  ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1 || ip link add "$HOSTS_BRIDGE" type bridge
  ip addr replace "$HOSTS_BASE.1/24" dev "$HOSTS_BRIDGE"
  ip link set "$HOSTS_BRIDGE" up
}

# net_host_add HOST: a namespace with loopback up and eth0 holding the host's address, its veth peer on
# the bridge. No default route: the host reaches the bridge's subnet and nothing else.
net_host_add() {
  local ns link addr
  ns=$(host_ns "$1") link=$(host_link "$1") addr=$(host_addr "$1")
  ip netns add "$ns"
  ip link add "$link" type veth peer name eth0 netns "$ns"
  ip link set "$link" master "$HOSTS_BRIDGE" up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}

# live_pid PIDFILE NAME: pid_alive, and not a zombie (a killed supervisor stays one until init reaps it).
live_pid() {
  local pid
  pid=$(pid_alive "$1" "$2") || return 1
  [ "$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  echo "$pid"
}

# stop_live PIDFILE NAME: stop_pidfile (TERM, 40 s, then KILL) if it names a live process, else the pid
# file removed (what `kill` left).
stop_live() {
  if live_pid "$1" "$2" >/dev/null; then stop_pidfile "$1" "$2" 40 >/dev/null; else rm -f "$1"; fi
}

# ns_pids HOST: every process in the host's namespace, one pid a line.
ns_pids() { ip netns pids "$(host_ns "$1")" 2>/dev/null || true; }

# ns_kill HOST: SIGKILL every process in the host's namespace, again until none is left (a supervisor
# may fork between the listing and the kill).
ns_kill() {
  local i pids
  for ((i = 0; i < 100; i++)); do
    pids=$(ns_pids "$1")
    [ -z "$pids" ] && return 0
    # shellcheck disable=SC2086 # one pid a word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.05
  done
  die "processes left in $(host_ns "$1"): $(ns_pids "$1" | tr '\n' ' ')"
}

# net_host_del HOST: its processes killed, its namespace (and so its veth pair) removed.
net_host_del() {
  local ns
  ns=$(host_ns "$1")
  ip netns list | awk '{print $1}' | grep -qx "$ns" || return 0
  ns_kill "$1"
  ip netns del "$ns"
  ip link del "$(host_link "$1")" 2>/dev/null || true
}

# link_up HOST: whether the root side of the host's veth pair is up (not cut).
link_up() { ip -o link show dev "$(host_link "$1")" 2>/dev/null | grep -qE '[<,]UP[,>]'; }

# net_down: every namespace of the prefix (processes killed), the bridge.
net_down() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$HOSTS_PREFIX-(app[0-9]+|db[12])$" || true); do
    net_host_del "${ns#"$HOSTS_PREFIX"-}"
  done
  ip link del "$HOSTS_BRIDGE" 2>/dev/null || true
}

# --- app hosts: pools and runners ------------------------------------------------------------

# app_port HOST: the port of the host's current pool (9000 until a rollout moves it).
app_port() { cat "$HOSTS_DIR/$1/port" 2>/dev/null || echo "${HOSTS_POOL_PORTS[0]}"; }

# app_bin HOST: the worker binary the host runs (stacks-jobs beside it).
app_bin() { cat "$HOSTS_DIR/$1/bin" 2>/dev/null || cat "$HOSTS_DIR/bin"; }

# in_host HOST NAME PIDFILE LOG PROGRAM…: PROGRAM in the host's namespace, with the workers' environment
# and nothing else, in its own session; one process all along (env → setsid → ip netns exec → bash, which
# writes its pid, → PROGRAM), output appended to LOG.
in_host() {
  local ns=$1 name=$2 pidfile=$3 log=$4
  shift 4
  rm -f "$pidfile"
  (cd / && exec env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 setsid ip netns exec "$ns" \
     bash -c 'set -a; . "$1"; set +a; echo $$ >"$2"; shift 2; exec "$@"' "$name" "$ENV_FILE" "$pidfile" "$@") \
    >>"$log" 2>&1 </dev/null &
}

# pool_listening HOST PORT: whether something listens on the port inside the host.
pool_listening() { [ -n "$(ss -N "$(host_ns "$1")" -Hltn "sport = :$2" 2>/dev/null)" ]; }

# app_pool_start HOST PORT BIN: spawn-fcgi binds the host's ADDR:PORT and execs multiwatch with
# STACKS_WORKERS workers of BIN as the worker user; pid in $RUN_DIR/HOST-PORT.pid, log $LOG_DIR/HOST.log.
app_pool_start() {
  local host=$1 port=$2 bin=$3 pid i start
  local pidfile=$RUN_DIR/$host-$port.pid log=$LOG_DIR/$host.log
  touch "$log"
  start=$(wc -l <"$log")
  echo "--- $(date -u +%FT%TZ) start pool $(host_addr "$host"):$port $bin" >>"$log"
  in_host "$(host_ns "$host")" pool "$pidfile" "$log" \
    spawn-fcgi -n -a "$(host_addr "$host")" -p "$port" -u "$WORKER_USER" -g "$WORKER_GROUP" -- \
    /usr/bin/multiwatch -f "$STACKS_WORKERS" "${MULTIWATCH_ARGS[@]}" -- "$bin"
  for ((i = 0; i < 100; i++)); do
    [ -s "$pidfile" ] && pool_listening "$host" "$port" && break
    sleep 0.05
  done
  # Give the workers a moment to start: one that cannot is respawned at once, again and again.
  sleep 0.3
  pid=$(live_pid "$pidfile" multiwatch) && pool_listening "$host" "$port" \
    || { tail -n 20 "$log" >&2; die "$host: the pool on port $port did not start"; }
  if [ "$(tail -n +"$((start + 1))" "$log" | grep -c 'failed, next try')" -gt 10 ]; then
    app_pool_stop "$host" "$port"
    tail -n 20 "$log" >&2
    die "$host: workers keep dying at start (see $log)"
  fi
}

# app_pool_stop HOST PORT: TERM to multiwatch, which sends each worker SIGUSR1 (finish the request in
# hand, then exit) and exits when they have.
app_pool_stop() { stop_live "$RUN_DIR/$1-$2.pid" multiwatch; }

# pool_pid HOST: the multiwatch pid of the host's current pool, if it runs.
pool_pid() { live_pid "$RUN_DIR/$1-$(app_port "$1").pid" multiwatch; }

# app_runner_start HOST BIN: one job runner (stacks-jobs beside BIN) under multiwatch in the host.
app_runner_start() {
  local host=$1 jobs i pidfile=$RUN_DIR/$1-runner.pid log=$LOG_DIR/$1-runner.log
  jobs=$(dirname "$2")/stacks-jobs
  echo "--- $(date -u +%FT%TZ) start runner $jobs" >>"$log"
  in_host "$(host_ns "$host")" runner "$pidfile" "$log" \
    setpriv --reuid "$WORKER_USER" --regid "$WORKER_GROUP" --init-groups \
    /usr/bin/multiwatch -f 1 "${MULTIWATCH_ARGS[@]}" -- "$jobs"
  for ((i = 0; i < 60; i++)); do
    live_pid "$pidfile" multiwatch >/dev/null && return 0
    sleep 0.05
  done
  tail -n 20 "$log" >&2
  die "$host: the job runner did not start"
}

# app_runner_stop HOST: TERM to multiwatch, which sends the runner SIGUSR1 (finish the job in hand).
app_runner_stop() { stop_live "$RUN_DIR/$1-runner.pid" multiwatch; }

# app_start HOST: the host's pool (on its current port) and runner, whichever of them is not running.
app_start() {
  local host=$1 port
  port=$(app_port "$host")
  pool_pid "$host" >/dev/null || { app_pool_stop "$host" "$port"; app_pool_start "$host" "$port" "$(app_bin "$host")"; }
  live_pid "$RUN_DIR/$host-runner.pid" multiwatch >/dev/null || app_runner_start "$host" "$(app_bin "$host")"
}

# app_stop HOST: both its pools and its runner stopped gracefully.
app_stop() {
  local port
  for port in "${HOSTS_POOL_PORTS[@]}"; do app_pool_stop "$1" "$port"; done
  app_runner_stop "$1"
}

# app_add HOST: the host's namespace and state, then its pool and runner.
app_add() {
  install -d -m 0755 "$HOSTS_DIR/$1"
  echo "${HOSTS_POOL_PORTS[0]}" >"$HOSTS_DIR/$1/port"
  cp "$HOSTS_DIR/bin" "$HOSTS_DIR/$1/bin"
  net_host_add "$1"
  app_start "$1"
}

# worker_pids HOST: the workers of the host's current pool, one a line.
worker_pids() {
  local pid
  pid=$(pool_pid "$1") || return 0
  pgrep -P "$pid" || true
}

# --- the workers' environment and nginx ------------------------------------------------------

# hosts_write_env: the workers' environment file (deploy/up's, with DATABASE_URL over both db hosts and
# libpq's variables to match), checked by running the worker once, then moved in place.
hosts_write_env() {
  (
    for v in $(compgen -e); do
      case $v in PG* | DATABASE_URL) unset "$v" ;; esac
    done
    # The topology's own names stay out of the workers' environment.
    unset STACKS_HOSTS_NET STACKS_HOSTS_PREFIX
    export DATABASE_URL PGHOST PGPORT PGDATABASE=$DB_NAME PGUSER=$STACKS_APP_ROLE
    DATABASE_URL=$(app_url)
    PGHOST=$(host_addr db1),$(host_addr db2)
    PGPORT=$HOSTS_PG_PORT,$HOSTS_PG_PORT
    # shellcheck disable=SC2034 # read by write_worker_env: one runner per app host
    STACKS_RUNNERS=1
    write_worker_env "$ENV_FILE.new"
  )
  worker_preflight "$ENV_FILE.new"
  mv -f "$ENV_FILE.new" "$ENV_FILE"
}

# hosts_nginx: nginx's config over every app host's current pool, then nginx started or reloaded (the
# reload waits until the old nginx workers are gone). The peers' state is shared by nginx's workers (zone):
# one failed connection marks a host down for HOSTS_FAIL_TIMEOUT seconds, then it is tried again.
hosts_nginx() {
  local host upstream="    zone stacks_hosts 64k;"
  for host in $(app_hosts); do
    upstream+=$'\n'"    server $(host_addr "$host"):$(app_port "$host") max_fails=1 fail_timeout=${HOSTS_FAIL_TIMEOUT}s;"
  done
  STACKS_BIN=${STACKS_BIN:-$(cat "$HOSTS_DIR/bin")} render_nginx "$upstream"
  nginx_start >/dev/null
}

# --- db hosts: PostgreSQL --------------------------------------------------------------------

db_data() { echo "$PG_DIR/$1"; }
db_log() { echo "$LOG_DIR/$1.log"; }

# db_other HOST: the other db host.
db_other() { if [ "$1" = db1 ]; then echo db2; else echo db1; fi; }

# db_primary: the db host recorded as the primary.
db_primary() { cat "$HOSTS_DIR/primary"; }

# db_is_replica HOST: its data directory is a standby's (standby.signal; promotion removes it).
db_is_replica() { [ -f "$(db_data "$1")/standby.signal" ]; }

# db_pid HOST: the postmaster's pid, if it runs.
db_pid() { live_pid "$(db_data "$1")/postmaster.pid" postgres; }

# sync_on: whether commits wait for the replica (deploy/hosts sync on|off; on unless turned off).
sync_on() { [ "$(cat "$HOSTS_DIR/sync" 2>/dev/null || echo on)" = on ]; }

# db_conf HOST: the host's settings (stacks.conf, included from postgresql.conf) and pg_hba.conf, written
# before every start and on every change of role. The primary names the other host as its synchronous
# standby while that one is a replica and sync is on; a replica names none (so that it commits alone the
# moment it is promoted).
db_conf() {
  local host=$1 data sync=''
  data=$(db_data "$host")
  if [ "$host" = "$(db_primary)" ] && sync_on && db_is_replica "$(db_other "$host")"; then
    sync=$(db_other "$host")
  fi
  grep -q "^include_if_exists = 'stacks.conf'" "$data/postgresql.conf" \
    || echo "include_if_exists = 'stacks.conf'" >>"$data/postgresql.conf"
  cat >"$data/stacks.conf" <<EOF
# Written by deploy/hosts before every start and on every change of role; edits are lost.
# TCP on this host's address only: no unix socket.
listen_addresses = '$(host_addr "$host")'
port = $HOSTS_PG_PORT
unix_socket_directories = ''
password_encryption = 'scram-sha-256'
max_connections = 200
# A killed worker's session (and its locks) goes within about a second, even mid-query.
client_connection_check_interval = 1s
# Streaming replication: a commit returns once the standby named here has flushed it to disk.
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
wal_log_hints = on
hot_standby = on
synchronous_commit = on
synchronous_standby_names = '$sync'
$(pg_log_settings)
EOF
  cat >"$data/pg_hba.conf" <<EOF
# Written by deploy/hosts; edits are lost. TCP only, passwords (scram-sha-256) only.
# TYPE  DATABASE     USER                 ADDRESS               METHOD
host    all          postgres             $HOSTS_BASE.1/32      scram-sha-256
host    $DB_NAME     $DB_OWNER         $HOSTS_BASE.1/32      scram-sha-256
host    $DB_NAME     $STACKS_APP_ROLE           $HOSTS_NET         scram-sha-256
host    replication  $REPLICATION_ROLE   $(host_addr db1)/32         scram-sha-256
host    replication  $REPLICATION_ROLE   $(host_addr db2)/32         scram-sha-256
EOF
  chown postgres:postgres "$data/stacks.conf" "$data/pg_hba.conf"
  chmod 0600 "$data/pg_hba.conf"
}

# db_start HOST: PostgreSQL in the host's namespace, unless it runs. A former primary that another host
# replaced is never started (it would be a second primary): db-rejoin rebuilds it as a replica.
db_start() {
  local host=$1 data
  data=$(db_data "$host")
  db_pid "$host" >/dev/null && return 0
  [ -f "$data/PG_VERSION" ] || die "$host has no database (db-rejoin $host makes it a replica)"
  if [ "$host" != "$(db_primary)" ] && ! db_is_replica "$host"; then
    die "$host is a former primary: deploy/hosts db-rejoin $host rebuilds it as a replica of $(db_primary)"
  fi
  # A SIGKILLed postmaster leaves its pid file, and PostgreSQL refuses to start while that pid exists:
  # as a zombie until init reaps it, or as another process by now.
  rm -f "$data/postmaster.pid"
  db_conf "$host"
  [ -e "$(db_log "$host")" ] || install -m 0640 -o postgres -g postgres /dev/null "$(db_log "$host")"
  (cd / && ip netns exec "$(host_ns "$host")" runuser -u postgres -- \
    "$PG_BIN/pg_ctl" -D "$data" -l "$(db_log "$host")" -w -t 60 start >/dev/null) \
    || { tail -n 20 "$(db_log "$host")" >&2; die "$host: PostgreSQL did not start"; }
}

# db_stop HOST: fast shutdown (open transactions rolled back), if it runs.
db_stop() {
  db_pid "$1" >/dev/null || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$(db_data "$1")" stop -m fast -w -t 60 >/dev/null
}

# db_reload HOST: its settings rewritten and reloaded, if it runs.
db_reload() {
  db_pid "$1" >/dev/null || return 0
  db_conf "$1"
  as_postgres "$PG_BIN/pg_ctl" -D "$(db_data "$1")" reload >/dev/null
}

# db_wait_writable HOST SECONDS: until the host accepts a read-write session.
db_wait_writable() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    [ "$(db_psql "$1" postgres -d postgres -At -c 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ] && return 0
    sleep 0.05
  done
  return 1
}

# db_init HOST: a new cluster in the host (superuser password from $SECRETS_DIR), started as the
# primary; the roles and the database made, the schema migrated by its owner and the demo data seeded.
db_init() {
  local host=$1 data pwfile
  data=$(db_data "$host")
  pwfile=$PG_DIR/initdb.pw
  (umask 077 && secret postgres >"$pwfile")
  chown postgres:postgres "$pwfile"
  as_postgres "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-local=reject \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
  echo "$host" >"$HOSTS_DIR/primary"
  db_start "$host"
  db_wait_writable "$host" 30 || die "$host does not accept connections"
  # Passwords from the environment (\getenv), so that they appear on no command line and in no log.
  STACKS_OWNER_PW=$(secret "$DB_OWNER") STACKS_APP_PW=$(secret "$STACKS_APP_ROLE") \
    STACKS_REPLICATION_PW=$(secret "$REPLICATION_ROLE") \
    db_psql "$host" postgres -d postgres -v owner="$DB_OWNER" -v app="$STACKS_APP_ROLE" \
    -v replication="$REPLICATION_ROLE" -v db="$DB_NAME" <<'SQL'
SET client_min_messages = warning;
\getenv owner_pw STACKS_OWNER_PW
\getenv app_pw STACKS_APP_PW
\getenv replication_pw STACKS_REPLICATION_PW
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_pw';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_pw';
CREATE ROLE :"replication" LOGIN REPLICATION PASSWORD :'replication_pw';
CREATE DATABASE :"db" OWNER :"owner";
REVOKE CREATE, TEMPORARY ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
SQL
  clean_pg_env DATABASE_URL="$(role_url "$DB_OWNER" "$host")" STACKS_APP_ROLE="$STACKS_APP_ROLE" \
    "$STACKS_ROOT/deploy/migrate" >"$LOG_DIR/migrate.log" 2>&1 || { cat "$LOG_DIR/migrate.log" >&2; die "deploy/migrate failed"; }
  db_psql "$host" "$DB_OWNER" -1 -f "$STACKS_ROOT/sql/seed.sql" >/dev/null
}

# db_make_replica HOST: the host's data replaced by a base backup of the primary (pg_basebackup -R, run in
# the host: the replication role over the bridge, application_name = HOST), started as a streaming
# replica; then the primary names it its synchronous standby.
db_make_replica() {
  local host=$1 primary data i
  primary=$(db_primary)
  data=$(db_data "$host")
  [ "$host" != "$primary" ] || die "$host is the primary"
  db_pid "$primary" >/dev/null || die "the primary, $primary, is not running"
  ns_kill "$host"
  rm -rf "$data"
  (cd / && ip netns exec "$(host_ns "$host")" env PGPASSWORD="$(secret "$REPLICATION_ROLE")" runuser -u postgres -- \
    "$PG_BIN/pg_basebackup" -d "host=$(host_addr "$primary") port=$HOSTS_PG_PORT user=$REPLICATION_ROLE application_name=$host" \
    -D "$data" -R -X stream -c fast --no-password >"$LOG_DIR/basebackup.log" 2>&1) \
    || { cat "$LOG_DIR/basebackup.log" >&2; die "pg_basebackup of $primary into $host failed"; }
  db_start "$host"
  for ((i = 0; i < 200; i++)); do
    [ "$(db_psql "$primary" postgres -At -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$host' AND state = 'streaming'")" = 1 ] && break
    sleep 0.05
  done
  [ "$i" -lt 200 ] || die "$host does not stream from $primary (see $(db_log "$host"))"
  db_reload "$primary"
}

# db_promote: the replica promoted (pg_ctl promote), waited for until it accepts writes, recorded as the
# primary; it names no synchronous standby (there is none left) until a db-rejoin gives it one.
db_promote() {
  local old new
  old=$(db_primary)
  new=$(db_other "$old")
  ! db_pid "$old" >/dev/null || die "the primary, $old, is running: db-kill it first (or use failover)"
  db_is_replica "$new" && db_pid "$new" >/dev/null || die "no running replica to promote ($new)"
  as_postgres "$PG_BIN/pg_ctl" -D "$(db_data "$new")" promote -w -t 60 >/dev/null || die "pg_ctl promote of $new failed"
  db_wait_writable "$new" 60 || die "$new was promoted but does not accept writes"
  echo "$new" >"$HOSTS_DIR/primary"
  db_reload "$new"
}
