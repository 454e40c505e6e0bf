# shellcheck shell=bash
# deploy/lib/nginx.sh — nginx: the site and main config rendered from nginx/*.conf templates, start, reload, stop, health.
# Sourced by deploy/lib.sh, never run.

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
  check_number STACKS_CLIENT_TIMEOUT_MS "${STACKS_CLIENT_TIMEOUT_MS:-60000}"
  render "$STACKS_ROOT/nginx/stacks.conf" "$SITE_CONF" \
    "RUN=$RUN_DIR" "PORT=$STACKS_PORT" "LOG=$LOG_DIR" "CGI_SCRIPT=$STACKS_BIN" "UPSTREAM_SERVERS=$upstream" \
    "MAX_BODY=${STACKS_MAX_BODY:-1048576}" "CLIENT_TIMEOUT=${STACKS_CLIENT_TIMEOUT_MS:-60000}ms"
  render "$STACKS_ROOT/nginx/main.conf" "$NGINX_CONF" \
    "USER=$WORKER_USER" "RUN=$RUN_DIR" "LOG=$LOG_DIR" "HOME=$STACKS_HOME" "SITE=$SITE_CONF"
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
