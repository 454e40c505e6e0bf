# shellcheck shell=bash
# deploy/lib/pools.sh — worker pools: spawn-fcgi + multiwatch per pool, fcgiwrap for CGI mode, the job runners under multiwatch.
# Sourced by deploy/lib.sh, never run.

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
     /usr/bin/multiwatch -f "$STACKS_RUNNERS" "${MULTIWATCH_ARGS[@]}" -- "$(jobs_bin)") \
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
