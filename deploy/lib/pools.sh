# shellcheck shell=bash
# deploy/lib/pools.sh — worker pools: spawn-fcgi + multiwatch per pool, started as generations and swapped
# without a failed request; fcgiwrap for CGI mode; the job runners under multiwatch. Sourced by deploy/lib.sh, never run.

# spawn_pool NAME PROGRAM…: spawn-fcgi binds $RUN_DIR/NAME.sock (www-data may connect) and execs
# PROGRAM as the worker user, in its own session, output appended to $LOG_DIR/NAME.log (a pool
# generation's NAME, pool1.3, logs to pool1.log).
spawn_pool() {
  local name=$1 i
  shift
  local sock=$RUN_DIR/$name.sock pidfile=$RUN_DIR/$name.pid log=$LOG_DIR/${name%%.*}.log
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

# --- pool generations ----------------------------------------------------------------------
# Each start of pool N is a generation G of its own: socket poolN.G.sock, pid file poolN.G.pid
# (its multiwatch). poolN.sock and poolN.pid, the names nginx's upstream, deploy/ctl and the tests
# use, are symbolic links to the current generation's files, each replaced in one rename: nginx
# resolves a unix socket's path at every connect, so the next connection goes to the new generation
# while the old one answers what it already has. (A pool started before generations has real files
# under those names; its pid file is kept as poolN.0.pid while it is retired.)

# point_link LINK TARGET: make LINK a symbolic link to TARGET (a name beside it) in one rename.
point_link() {
  ln -sfn "$2" "$1.new"
  mv -fT "$1.new" "$1"
}

# pool_pid_files N: the pid file of every generation of pool N that may still run, one a line.
pool_pid_files() {
  local f
  for f in "$RUN_DIR/pool$1".*.pid; do
    if [ -f "$f" ]; then echo "$f"; fi
  done
  if [ -f "$RUN_DIR/pool$1.pid" ] && [ ! -L "$RUN_DIR/pool$1.pid" ]; then echo "$RUN_DIR/pool$1.pid"; fi
}

# pool_next_generation N: one more than the highest generation of pool N with a file in $RUN_DIR.
pool_next_generation() {
  local f g last=0
  for f in "$RUN_DIR/pool$1".*.pid "$RUN_DIR/pool$1".*.sock; do
    g=${f##*/pool"$1".}
    g=${g%.*}
    if [[ $g =~ ^[0-9]+$ ]] && [ "$g" -gt "$last" ]; then last=$g; fi
  done
  echo $((last + 1))
}

# listen_queue PID: how many connections wait in the accept queue of the listening socket that PID
# (a pool's multiwatch) holds as fd 0: its Recv-Q in `ss -xl`, found by the socket's inode, which
# also finds a socket whose path was renamed over. Fails when PID holds no such socket.
listen_queue() {
  local link inode
  link=$(readlink "/proc/$1/fd/0" 2>/dev/null) || return 1
  [[ $link =~ ^socket:\[([0-9]+)\]$ ]] || return 1
  inode=${BASH_REMATCH[1]}
  ss -xlH | awk -v inode="$inode" '$(NF - 2) == inode { print $3; found = 1 } END { exit !found }'
}

# pool_probe SOCKET [SCRIPT]: GET /api/health/ready straight to a FastCGI socket (libfcgi's cgi-fcgi), as
# nginx would send it, with SCRIPT as SCRIPT_FILENAME (what fcgiwrap runs; pooled workers ignore it).
# Succeeds when a worker answers 200: it runs, reaches PostgreSQL, and finds every migration it
# expects applied. Prints the answer's first lines otherwise.
pool_probe() {
  local out
  out=$(cd / && env -i GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET \
    REQUEST_URI=/api/health/ready SCRIPT_NAME=/api/health/ready DOCUMENT_URI=/api/health/ready QUERY_STRING= \
    SERVER_NAME=localhost SERVER_PORT="$STACKS_PORT" REMOTE_ADDR=127.0.0.1 REQUEST_ID=pool-probe HTTP_HOST=localhost \
    SCRIPT_FILENAME="${2:-}" timeout 15 cgi-fcgi -bind -connect "$1" 2>&1) || true
  grep -q '^Status: 200 ' <<<"$out" && return 0
  printf '%s\n' "$out" | head -c 1000 >&2
  echo >&2
  return 1
}

# pool_retire PIDFILE: stop a generation that nginx no longer connects to, without failing a request
# it holds: wait until its accept queue is empty (every connection made before the switch has been
# taken by a worker; 40 s at most, longer than nginx waits for an answer), then TERM to multiwatch,
# which sends each worker SIGUSR1: the request in hand is finished, then the worker exits. A worker
# waiting for a connection exits at once, so a connection still queued then would be reset.
pool_retire() {
  local pidfile=$1 pid depth=0 i
  if pid=$(pid_alive "$pidfile" multiwatch); then
    for ((i = 0; i < 400; i++)); do
      depth=$(listen_queue "$pid") || { depth=0; break; }
      [ "$depth" = 0 ] && break
      sleep 0.1
    done
    [ "$depth" = 0 ] || warn "$(basename "$pidfile" .pid): $depth connections still queued after 40 s; stopping it anyway"
  fi
  pool_term "$pidfile"
  rm -f "${pidfile%.pid}.sock"
}

# group_running PGID: whether a process of group PGID runs (a zombie does not count).
group_running() { ps -o stat= -g "$1" 2>/dev/null | grep -qv '^Z'; }

# pool_term PIDFILE: TERM to a pool's multiwatch, which stops respawning and sends each worker SIGUSR1,
# repeated every second while the pool's processes remain (multiwatch then forwards SIGTERM, which a
# worker takes the same way: the request in hand is finished). A worker forked just as the first TERM
# arrived gets its SIGUSR1 caught by multiwatch's own handler before its exec (multiwatch 1.0.0; seen
# with recycled workers, STACKS_MAX_REQUESTS=1), and would wait for a connection that never comes.
# KILL to what is left after 40 s. Done when only zombies are left, which whoever inherited them
# reaps in its own time.
pool_term() {
  local pidfile=$1 pid i
  if pid=$(pid_alive "$pidfile" multiwatch); then
    for ((i = 0; i < 800; i++)); do
      if ((i % 20 == 0)); then
        if pid_alive "$pidfile" multiwatch >/dev/null; then kill -TERM "$pid" 2>/dev/null || true; else kill -TERM -- "-$pid" 2>/dev/null || true; fi
      fi
      group_running "$pid" || break
      sleep 0.05
    done
    if group_running "$pid"; then
      warn "$(basename "$pidfile" .pid) (multiwatch $pid) still running after 40s: KILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || true
    fi
    say "stopped $(basename "$pidfile" .pid) (multiwatch $pid)"
  fi
  rm -f "$pidfile"
}

# pool_settled PID: the new generation whose multiwatch is PID keeps the same STACKS_WORKERS workers
# for 0.3 s. No request reaches it yet, so a worker exits only when it cannot start, and multiwatch
# respawns it at once: new pids. (Not the log's "failed, next try": the pool's log is shared with the
# generation still serving, whose recycled workers, STACKS_MAX_REQUESTS=1, write that line too.)
pool_settled() {
  local before after
  before=$(pgrep -P "$1" | sort | tr '\n' ' ')
  sleep 0.3
  after=$(pgrep -P "$1" | sort | tr '\n' ' ')
  [ "$before" = "$after" ] && [ "$(wc -w <<<"$after")" = "$STACKS_WORKERS" ]
}

# seconds_since T0 [T1]: seconds from T0 to T1 (default: now), both $EPOCHREALTIME values, to 0.1 s.
seconds_since() {
  local t1=${2:-$EPOCHREALTIME} ms
  ms=$(((${t1/./} - ${1/./}) / 1000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

# pool_start N: start a new generation of pool N (STACKS_WORKERS workers of $STACKS_BIN, the file it
# names now: a later change of a link does not reach this pool's respawns), check that it answers,
# move nginx's traffic to it (poolN.sock and poolN.pid, one rename each), then retire every older
# generation. If the new one fails, it is stopped and nothing else changed.
pool_start() {
  local i=$1 gen name pid bin f old=() t0=$EPOCHREALTIME t1
  bin=$(readlink -f "$STACKS_BIN")
  # A pool of the layout before generations: its pid file is kept aside until it is retired.
  if [ -f "$RUN_DIR/pool$i.pid" ] && [ ! -L "$RUN_DIR/pool$i.pid" ]; then cp -f "$RUN_DIR/pool$i.pid" "$RUN_DIR/pool$i.0.pid"; fi
  gen=$(pool_next_generation "$i")
  name=pool$i.$gen
  spawn_pool "$name" /usr/bin/multiwatch -f "$STACKS_WORKERS" "${MULTIWATCH_ARGS[@]}" -- "$bin"
  sleep 0.5
  pid=$(pid_alive "$RUN_DIR/$name.pid" multiwatch) || { tail -n 20 "$LOG_DIR/pool$i.log" >&2; rm -f "$RUN_DIR/$name.sock" "$RUN_DIR/$name.pid"; die "pool$i died at start; the running pool$i is untouched"; }
  if ! pool_settled "$pid"; then
    pool_retire "$RUN_DIR/$name.pid"
    tail -n 20 "$LOG_DIR/pool$i.log" >&2
    die "pool$i workers keep dying at start (see $LOG_DIR/pool$i.log); the running pool$i is untouched"
  fi
  if ! pool_probe "$RUN_DIR/$name.sock"; then
    pool_retire "$RUN_DIR/$name.pid"
    die "pool$i's new workers do not answer GET /api/health/ready with 200 (above: PostgreSQL down, or a migration this build needs not applied: deploy/migrate); the running pool$i is untouched"
  fi
  point_link "$RUN_DIR/pool$i.sock" "$name.sock"
  point_link "$RUN_DIR/pool$i.pid" "$name.pid"
  t1=$EPOCHREALTIME
  mapfile -t old < <(pool_pid_files "$i" | grep -vxF "$RUN_DIR/$name.pid")
  # A connect that looked the old path up just before the rename has reached the old queue by now.
  sleep 0.2
  for f in "${old[@]}"; do pool_retire "$f"; done
  say "pool$i: generation $gen, multiwatch $pid, workers $(pgrep -P "$pid" | tr '\n' ' ')(traffic moved after $(seconds_since "$t0" "$t1") s, the old generation stopped $(seconds_since "$t1") s later)"
}

# pool_stop N: stop every generation of pool N (nothing may be sending to it: deploy/down stops nginx
# first): pool_term to each multiwatch, which stops respawning, sends each worker SIGUSR1 (finish the
# request in hand, then exit) and exits when they have.
pool_stop() {
  local f
  while read -r f; do
    pool_term "$f"
    rm -f "${f%.pid}.sock"
  done < <(pool_pid_files "$1")
  rm -f "$RUN_DIR/pool$1.sock" "$RUN_DIR/pool$1.pid"
}

# hold_pools_lock SCRIPT [ARG…]: run the calling script again under flock(1) on $STACKS_HOME/pools.lock
# (once), so that deploy/up and deploy/rollout on one stack replace its workers one after the other.
# flock -o: the lock stays with flock itself, never with a pool, runner or nginx the script starts.
hold_pools_lock() {
  local rc=0
  [ "${DEPLOY_POOLS_LOCKED:-}" = "$STACKS_HOME" ] && return 0
  install -d -m 0755 "$STACKS_HOME"
  DEPLOY_POOLS_LOCKED=$STACKS_HOME flock -o -w 600 -E 75 "$STACKS_HOME/pools.lock" "$@" || rc=$?
  [ "$rc" = 75 ] && die "another deploy/up or deploy/rollout has been changing the stack in $STACKS_HOME for 10 minutes"
  exit "$rc"
}

# pools_start: a new generation of pool 1, then of pool 2, each taking over from the running one
# before that one stops (pool_start): no request is refused or cut, whatever the load.
pools_start() {
  pool_start 1
  pool_start 2
}

pools_stop() {
  pool_stop 1
  pool_stop 2
}

# runners_start: STACKS_RUNNERS job runners (stacks-jobs, next to $STACKS_BIN) under multiwatch, which
# respawns any that die, as the worker user with the workers' environment, in their own session;
# the multiwatch pid in $RUN_DIR/runners.pid, their JSON lines in $LOG_DIR/runners.log. The
# runners need no socket: the queue is the jobs table. In every mode (pooled and cgi).
runners_start() {
  local pid log=$LOG_DIR/runners.log pidfile=$RUN_DIR/runners.pid
  runners_stop
  echo "--- $(date -u +%FT%TZ) start runners" >>"$log"
  # One process all along: subshell → env → setsid → bash (writes its pid) → setpriv → multiwatch.
  (cd / && exec env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 setsid \
     bash -c 'set -a; . "$1"; set +a; echo $$ >"$2"; shift 2; exec "$@"' runners "$ENV_FILE" "$pidfile" \
     setpriv --reuid "$WORKER_USER" --regid "$WORKER_GROUP" --init-groups \
     /usr/bin/multiwatch -f "$STACKS_RUNNERS" "${MULTIWATCH_ARGS[@]}" -- "$(readlink -f "$(jobs_bin)")") \
    >>"$log" 2>&1 </dev/null &
  sleep 0.5
  pid=$(pid_alive "$pidfile" multiwatch) || { tail -n 20 "$log" >&2; die "the job runners died at start"; }
  say "runners: multiwatch $pid, runners $(pgrep -P "$pid" | tr '\n' ' ')"
}

# runners_stop: TERM to multiwatch, which sends each runner SIGUSR1 (finish the job in hand, exit 0).
runners_stop() {
  stop_pidfile "$RUN_DIR/runners.pid" multiwatch 40
  # The hourly maintenance loop of earlier versions (the runners' purge_expired replaced it).
  stop_pidfile "$RUN_DIR/maintain.pid" bash 5 group
}

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
