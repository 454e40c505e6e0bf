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

# render_nginx [UPSTREAM]: the site and main config from the templates; UPSTREAM, the upstream block's
# lines, defaults to the local stack's sockets (deploy/hosts passes its app hosts' addresses).
render_nginx() {
  local upstream=${1:-}
  if [ -n "$upstream" ]; then
    :
  elif [ "$STACKS_MODE" = cgi ]; then
    upstream="    server unix:$RUN_DIR/cgi.sock max_fails=0;"
  else
    upstream="    server unix:$RUN_DIR/pool1.sock max_fails=0;
    server unix:$RUN_DIR/pool2.sock max_fails=0;"
  fi
  # nginx's body limit is the workers' (the worker checked the value at its preflight; default as in Config.swift).
  check_number STACKS_MAX_BODY "${STACKS_MAX_BODY:-1048576}"
  check_number STACKS_CLIENT_TIMEOUT_MS "${STACKS_CLIENT_TIMEOUT_MS:-60000}"
  local rate=${STACKS_AUTH_RATE:-10}
  check_number STACKS_AUTH_RATE "$rate"
  render "$STACKS_ROOT/nginx/stacks.conf" "$SITE_CONF" \
    "RUN=$RUN_DIR" "PORT=$STACKS_PORT" "LOG=$LOG_DIR" "CGI_SCRIPT=$BIN_DIR/stacks-fcgi" "UPSTREAM_SERVERS=$upstream" \
    "MAX_BODY=${STACKS_MAX_BODY:-1048576}" "WWW=$WWW_DIR" "AUTH_RATE=$rate" "AUTH_BURST=$((2 * rate))" \
    "CLIENT_TIMEOUT=${STACKS_CLIENT_TIMEOUT_MS:-60000}ms"
  render "$STACKS_ROOT/nginx/main.conf" "$NGINX_CONF" \
    "USER=$WORKER_USER" "RUN=$RUN_DIR" "LOG=$LOG_DIR" "HOME=$STACKS_HOME" "SITE=$SITE_CONF"
}

# The docs page at /api/docs/: Swagger UI's files from a pinned PyPI package that ships them (no CDN,
# no Django: --no-deps), with nginx/docs/ beside them, in $WWW_DIR/docs. Fetched once per pin;
# without PyPI the API runs all the same and /api/docs/ is a 404 until a later deploy/up fetches it.
SWAGGER_UI_PACKAGE='drf-spectacular-sidecar==2026.10.1'
docs_install() {
  local static=$WWW_DIR tmp dist
  install -d -m 0755 "$static"
  if [ "$(cat "$static/docs.package" 2>/dev/null)" != "$SWAGGER_UI_PACKAGE" ]; then
    python3 -m pip --version >/dev/null 2>&1 || ensure_packages python3-pip
    tmp=$(mktemp -d)
    if PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check --no-deps \
      --target "$tmp" "$SWAGGER_UI_PACKAGE" >"$tmp/pip.log" 2>&1; then
      dist=$tmp/drf_spectacular_sidecar/static/drf_spectacular_sidecar/swagger-ui-dist
      rm -rf "$static/docs.new"
      install -d -m 0755 "$static/docs.new"
      install -m 0644 "$dist/swagger-ui-bundle.js" "$dist/swagger-ui.css" "$dist/LICENSE" "$static/docs.new/"
      rm -rf "$static/docs"
      mv "$static/docs.new" "$static/docs"
      echo "$SWAGGER_UI_PACKAGE" >"$static/docs.package"
      say "docs page: Swagger UI from $SWAGGER_UI_PACKAGE"
    else
      warn "could not fetch $SWAGGER_UI_PACKAGE from PyPI: no docs page at /api/docs/ ($(tail -n 1 "$tmp/pip.log"))"
    fi
    rm -rf "$tmp"
  fi
  [ -d "$static/docs" ] && install -m 0644 "$STACKS_ROOT"/nginx/docs/* "$static/docs/"
  return 0
}

# publish_www: the OpenAPI document, copied into $WWW_DIR (readable by nginx's workers), which nginx
# serves at /api/openapi.json; replaced in one rename, so a request never reads half a file.
publish_www() {
  install -d -m 0755 "$WWW_DIR"
  install -m 0644 "$STACKS_ROOT/docs/openapi.json" "$WWW_DIR/openapi.json.new"
  mv -f "$WWW_DIR/openapi.json.new" "$WWW_DIR/openapi.json"
  can_access "$WORKER_USER" -r "$WWW_DIR/openapi.json" || die "user $WORKER_USER cannot read $WWW_DIR/openapi.json"
}

nginx_cmd() { nginx -p "$STACKS_HOME/nginx/" -c "$NGINX_CONF" -e "$LOG_DIR/nginx-error.log" "$@"; }

# nginx_start [--if-changed]: start nginx, or reload the running one and wait until its old workers are
# gone (so that the next request already sees the new upstream). --if-changed (deploy/up): a running
# nginx whose config is what it last loaded is left alone, since a reload closes idle keep-alive
# connections and a client that sends on one at that moment gets no answer.
nginx_start() {
  local pid old i loaded=$STACKS_HOME/nginx/loaded.conf
  nginx_cmd -t -q || die "nginx rejected $NGINX_CONF"
  if [ "${1:-}" = --if-changed ] && pid=$(pid_alive "$RUN_DIR/nginx.pid" nginx) \
    && cat "$NGINX_CONF" "$SITE_CONF" | cmp -s - "$loaded"; then
    say "nginx: config unchanged, not reloaded ($pid)"
    return 0
  fi
  cat "$NGINX_CONF" "$SITE_CONF" >"$loaded"
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
