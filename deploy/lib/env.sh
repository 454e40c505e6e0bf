# shellcheck shell=bash
# deploy/lib/env.sh — the workers' environment file: known names, JWT keys, preflight of the binary.
# Sourced by deploy/lib.sh, never run.

# Names a deployment may pass to the worker: every variable of deploy/stacks.env.example.
known_stacks_vars() {
  sed -nE 's/^#? *((STACKS_[A-Z0-9_]+|DATABASE_URL))=.*/\1/p' "$STACKS_ROOT/deploy/stacks.env.example" | sort -u
}

# env_line NAME VALUE: one line for a file that both `set -a; .` and systemd's EnvironmentFile read.
env_line() {
  case $2 in *"'"* | *$'\n'* | *\\*) die "$1 may not contain quotes, backslashes or newlines" ;; esac
  printf "%s='%s'\n" "$1" "$2"
}

# generated_keys NAME FILE: the caller's $NAME (kid:secret,…), else the key generated once into FILE.
generated_keys() {
  if [ -n "${!1:-}" ]; then
    echo "${!1}"
    return
  fi
  if [ ! -s "$2" ]; then
    (umask 077 && echo "k1:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$2")
  fi
  cat "$2"
}

# write_worker_env FILE: the caller's STACKS_*/PG*/DATABASE_URL where set, else the local defaults.
# deploy/up writes $ENV_FILE.new, checks it with worker_preflight, then moves it in place.
write_worker_env() {
  local v known tmp=$1
  known=$(known_stacks_vars)
  {
    echo "# Worker environment written by deploy/up on $(date -u +%FT%TZ); see deploy/stacks.env.example."
    env_line STACKS_JWT_KEYS "$(generated_keys STACKS_JWT_KEYS "$JWT_FILE")"
    env_line STACKS_WEBHOOK_KEYS "$(generated_keys STACKS_WEBHOOK_KEYS "$WEBHOOK_KEYS_FILE")"
    env_line STACKS_OPEN_KEYS "${STACKS_OPEN_KEYS:-true}"
    env_line STACKS_WEBHOOK_ALLOW_PRIVATE "${STACKS_WEBHOOK_ALLOW_PRIVATE:-true}"
    for v in $(compgen -e | grep -E '^STACKS_' | sort); do
      case $v in
        STACKS_JWT_KEYS | STACKS_WEBHOOK_KEYS | STACKS_OPEN_KEYS | STACKS_WEBHOOK_ALLOW_PRIVATE | STACKS_HOME | STACKS_PORT | STACKS_PG_PORT | STACKS_WORKERS | STACKS_BIN | STACKS_MODE | STACKS_APP_ROLE | STACKS_RUNNERS | STACKS_AUTH_RATE | STACKS_CLIENT_TIMEOUT_MS) continue ;;
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
    env_line STACKS_RUNNERS "$STACKS_RUNNERS"
    env_line STACKS_BIN "$STACKS_BIN"
    env_line STACKS_MODE "$STACKS_MODE"
    env_line STACKS_APP_ROLE "$STACKS_APP_ROLE"
    env_line STACKS_AUTH_RATE "${STACKS_AUTH_RATE:-10}"
    env_line STACKS_CLIENT_TIMEOUT_MS "${STACKS_CLIENT_TIMEOUT_MS:-60000}"
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

# jobs_bin: the job runner, stacks-jobs, built and installed next to the worker $STACKS_BIN.
jobs_bin() { echo "$(dirname "$STACKS_BIN")/stacks-jobs"; }

# check_binary: the worker user must reach and run $STACKS_BIN and the job runner next to it.
check_binary() {
  local bin
  for bin in "$STACKS_BIN" "$(jobs_bin)"; do
    [ -x "$bin" ] || die "binary $bin not found or not executable (stacks-jobs must sit next to STACKS_BIN)"
    can_access "$WORKER_USER" -x "$bin" \
      || die "user $WORKER_USER cannot run $bin: every folder above it needs o+x (chmod o+x …)"
  done
}

# link_binaries: $BIN_DIR/stacks-fcgi and $BIN_DIR/stacks-jobs, links to the files $STACKS_BIN and the
# job runner beside it name (links resolved), each replaced in one rename. nginx gives fcgiwrap the
# first as SCRIPT_FILENAME (cgi mode), so a new binary reaches the next CGI request without a
# restart; pools and runners run the file the link names when they start. Warns when a binary
# deploy/rollout installed is replaced by another.
link_binaries() {
  local name target now
  install -d -m 0755 "$BIN_DIR"
  for name in stacks-fcgi stacks-jobs; do
    if [ "$name" = stacks-fcgi ]; then target=$(readlink -f "$STACKS_BIN"); else target=$(readlink -f "$(jobs_bin)"); fi
    now=
    if [ -L "$BIN_DIR/$name" ]; then now=$(readlink -f "$BIN_DIR/$name" || true); fi
    if [ "$name" = stacks-fcgi ] && [ -n "$now" ] && [ "$(dirname "$(dirname "$now")")" = "$BIN_DIR" ] && [ "$now" != "$target" ]; then
      warn "replacing $now (installed by deploy/rollout) with $target; to keep the rolled-out binary: STACKS_BIN=$BIN_DIR/stacks-fcgi deploy/up"
    fi
    point_link "$BIN_DIR/$name" "$target"
  done
}
