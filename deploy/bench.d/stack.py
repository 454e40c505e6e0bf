"""The bench stack: deploy/up and deploy/down under its own STACKS_HOME and ports, the two ceilings
nginx serves beside the API (return 200, and pools of the C responder), the memory scenario's pool of
one worker, and superuser SQL.

Everything runs through deploy/lib.sh's own functions (spawn_pool, stop_pidfile, nginx_start), so the
responder pools are started exactly as the worker pools are, and nginx is the very same process."""
import os
import re
import shutil
import subprocess
import time

import procstat

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PG_BIN = "/usr/lib/postgresql/15/bin"
RESPONDER_POOLS = ("bench-responder1", "bench-responder2")
MEMORY_POOL = "bench-memory"  # one worker, for the memory scenario alone (deploy/bench.d/memory.py)


class Stack:
    """A local stack in `home` on its own ports, with production settings (no open keys)."""

    def __init__(self, home, port, pg_port, binary, workers, max_loans):
        self.home = home
        self.port = port
        self.pg_port = pg_port
        self.binary = binary
        self.workers = workers
        self.max_loans = max_loans
        self.run_dir = os.path.join(home, "run")
        self.log_dir = os.path.join(home, "log")

    # --- environment and shell ---------------------------------------------------------------

    def env(self):
        """The caller's environment without any STACKS_*, PG* or DATABASE_URL, plus the bench's settings."""
        env = {k: v for k, v in os.environ.items()
               if not (k.startswith("STACKS_") or k.startswith("PG") or k == "DATABASE_URL")}
        env.update(STACKS_HOME=self.home, STACKS_PORT=str(self.port), STACKS_PG_PORT=str(self.pg_port),
                   STACKS_WORKERS=str(self.workers), STACKS_MODE="pooled", STACKS_OPEN_KEYS="false",
                   STACKS_MAX_LOANS=str(self.max_loans),
                   # wrk sends every login from one address: the per-address sign-in limit would measure
                   # itself; the per-nginx password-check limit stays, the login burst measures it.
                   STACKS_AUTH_RATE="100000")
        if self.binary:
            env["STACKS_BIN"] = self.binary
        return env

    def lib(self, script, check=True):
        """Runs bash with deploy/lib.sh sourced, in the bench's environment."""
        return subprocess.run(["bash", "-c", f'set -euo pipefail; . "$0"; {script}',
                               os.path.join(ROOT, "deploy", "lib.sh")],
                              env=self.env(), capture_output=True, text=True, check=check)

    def _deploy(self, command, log_name):
        log = os.path.join(self.home, log_name)
        os.makedirs(self.home, exist_ok=True)
        with open(log, "w") as out:
            done = subprocess.run([os.path.join(ROOT, "deploy", command)], env=self.env(), stdout=out,
                                  stderr=subprocess.STDOUT)
        if done.returncode != 0:
            with open(log) as text:
                tail = text.read()[-3000:]
            raise RuntimeError(f"deploy/{command} failed (exit {done.returncode}); end of {log}:\n{tail}")

    # --- life cycle ----------------------------------------------------------------------------

    def up(self):
        """A fresh stack: whatever ran in `home` is stopped and its data removed (results are kept)."""
        self.down()
        if os.path.isdir(self.home):
            for name in os.listdir(self.home):
                if name == "results" or name.endswith(".json"):
                    continue
                path = os.path.join(self.home, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.remove(path)
        self._deploy("up", "up.log")

    def down(self):
        """Stops the responder pools, then everything deploy/up started (deploy/down). Quiet if nothing runs."""
        if not os.path.isdir(self.home):
            return
        for pool in RESPONDER_POOLS + (MEMORY_POOL,):
            self._stop_pool(pool)
        self._deploy("down", "down.log")

    def _stop_pool(self, pool):
        self.lib(f'stop_pidfile "$RUN_DIR/{pool}.pid" multiwatch 40 >/dev/null; rm -f "$RUN_DIR/{pool}.sock"',
                 check=False)

    def start_memory_worker(self):
        """A pool of one worker (spawn_pool and `multiwatch -f 1`, as the worker pools are started, with
        the same binary and environment file); returns the worker's pid and the pool's socket."""
        self._stop_pool(MEMORY_POOL)
        self.lib(f'spawn_pool {MEMORY_POOL} /usr/bin/multiwatch -f 1 "${{MULTIWATCH_ARGS[@]}}" -- "$STACKS_BIN"')
        supervisor = self._pidfile(f"{MEMORY_POOL}.pid")
        for _ in range(100):
            workers = procstat.children([supervisor]) if supervisor else []
            if workers:
                return workers[0], os.path.join(self.run_dir, f"{MEMORY_POOL}.sock")
            time.sleep(0.05)
        raise RuntimeError(f"{MEMORY_POOL}: multiwatch started no worker (see {self.log_dir}/{MEMORY_POOL}.log)")

    def stop_memory_worker(self):
        """Stops the memory scenario's pool (its worker finishes the request in hand, then exits)."""
        self._stop_pool(MEMORY_POOL)

    def start_ceilings(self, body):
        """Builds the C responder, starts it as two pools of STACKS_WORKERS each (as the worker pools are),
        and renders the ceiling locations into the stack's own nginx site, then reloads nginx."""
        responder = os.path.join(self.home, "responder")
        subprocess.run(["cc", "-O2", "-Wall", "-o", responder, os.path.join(HERE, "responder.c"), "-lfcgi"],
                       check=True)
        os.chmod(responder, 0o755)
        for pool in RESPONDER_POOLS:
            self.lib(f'spawn_pool {pool} /usr/bin/multiwatch -f "$STACKS_WORKERS" "${{MULTIWATCH_ARGS[@]}}" '
                     f'-- "{responder}"')
        upstream = self._render("ceilings-upstream.conf", RUN=self.run_dir)
        locations = self._render("ceilings-locations.conf", BODY=body)
        site = os.path.join(self.home, "site.conf")
        with open(site) as f:
            text = f.read()
        opening = re.findall(r"(?m)^\s*server\s*\{\s*$", text)
        if len(opening) != 1:
            raise RuntimeError(f"{site}: expected one 'server {{' line to place the ceiling locations in")
        text = re.sub(r"(?m)^(\s*server\s*\{\s*)$", rf"\1\n    include {locations};", text, count=1)
        text += f"\ninclude {upstream};\n"
        with open(site, "w") as f:
            f.write(text)
        self.lib("nginx_start >/dev/null")

    def _render(self, template, **values):
        with open(os.path.join(HERE, template)) as f:
            text = f.read()
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        out = os.path.join(self.home, "nginx", template)
        with open(out, "w") as f:
            f.write(text)
        return out

    # --- processes -----------------------------------------------------------------------------

    def _pidfile(self, name):
        try:
            with open(os.path.join(self.run_dir, name)) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def postmaster(self):
        """The pid of the bench cluster's postmaster."""
        with open(os.path.join(self.home, "pg", "data", "postmaster.pid")) as f:
            return int(f.readline())

    def worker_supervisors(self):
        """The multiwatch pids of the two worker pools."""
        return [p for p in (self._pidfile("pool1.pid"), self._pidfile("pool2.pid")) if p]

    def responder_supervisors(self):
        """The multiwatch pids of the two responder pools."""
        return [p for p in (self._pidfile(f"{pool}.pid") for pool in RESPONDER_POOLS) if p]

    def nginx_master(self):
        """The pid of nginx's master process."""
        return self._pidfile("nginx.pid")

    # --- SQL -----------------------------------------------------------------------------------

    def pg_env(self):
        """libpq settings for the superuser over the bench cluster's unix socket (peer: root → postgres)."""
        env = self.env()
        env.update(PGHOST=self.run_dir, PGPORT=str(self.pg_port), PGUSER="postgres", PGDATABASE="stacks")
        return env

    def psql(self, sql, owner=False, bulk=False):
        """Runs SQL as the superuser (as the schema's owner with owner=True; with bulk=True, triggers
        off, as for a bulk load that writes consistent rows itself); returns unaligned rows. SQL too long
        for one argument (a many-row VALUES list) goes on stdin, one statement per transaction."""
        setup = ["-c", "SET session_replication_role = replica"] if bulk else []
        setup += ["-c", "SET ROLE stacks_owner"] if owner else []
        long = len(sql) > 100_000
        done = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", *setup,
                               *(["-f", "-"] if long else ["-c", sql])],
                              env=self.pg_env(), capture_output=True, text=True, input=sql if long else None)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}\n{sql[:500]}")
        return done.stdout.strip()
