"""Load runs: wrk with a Lua script of this folder, or pgbench, with the CPU time of PostgreSQL, the
workers, the responder, nginx and the load generator itself read from /proc around the run, and the
workers' memory before and after."""
import json
import os
import re
import resource
import subprocess
import time

import procstat

HERE = os.path.dirname(os.path.abspath(__file__))
WRK = "/usr/bin/wrk"
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


class Runner:
    """Runs load against a Stack; `params` is the Lua parameters file the wrk scripts read."""

    def __init__(self, stack, params):
        self.stack = stack
        self.params = params

    def _groups(self):
        return {
            "postgres": [self.stack.postmaster()],
            "workers": self.stack.worker_supervisors(),
            "responder": self.stack.responder_supervisors(),
            "nginx": [p for p in [self.stack.nginx_master()] if p],
        }

    def workers_memory(self):
        """Memory of every worker process (the children of both pools' multiwatch)."""
        return procstat.memory(procstat.children(self.stack.worker_supervisors()))

    def _measured(self, command, env, parse):
        """Runs command, reading CPU and memory around it; returns parse(stdout) with those added."""
        memory_before = self.workers_memory()
        cpu_before = procstat.snapshot(self._groups())
        cpu_before["load generator"] = _children_cpu()
        busy_before = procstat.box_busy_seconds()
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = process.communicate()
        elapsed = time.monotonic() - started
        cpu_after = procstat.snapshot(self._groups())
        cpu_after["load generator"] = _children_cpu()
        busy = procstat.box_busy_seconds() - busy_before
        result_drain = self.quiesce()
        memory_after = self.workers_memory()
        if process.returncode != 0:
            raise RuntimeError(f"{os.path.basename(command[0])} exited {process.returncode}: {err.strip()[-2000:]}")
        result = parse(out)
        result["wall_s"] = elapsed
        result["cpu_s"] = {k: round(cpu_after[k] - cpu_before[k], 3) for k in cpu_before}
        # Whatever else ran on the box meanwhile (another benchmark, a build) makes this run's figures suspect.
        result["other_cpu_share"] = max(0.0, busy - sum(result["cpu_s"].values())) / (elapsed * (os.cpu_count() or 1))
        result["memory_before"] = memory_before
        result["memory_after"] = memory_after
        result["drain_s"] = result_drain
        return result

    def quiesce(self, timeout=20.0, idle_cpu=0.02, step=0.2):
        """Waits until the workers, the responder and nginx are idle (under `idle_cpu` CPU seconds in
        `step`): requests a load generator left in flight when it stopped (queued logins take a
        second or more) are finished before the next reading. Returns the seconds waited."""
        started = time.monotonic()
        groups = self._groups()
        roots = groups["workers"] + groups["responder"] + groups["nginx"]
        last = procstat.cpu_seconds(roots)
        while time.monotonic() - started < timeout:
            time.sleep(step)
            now = procstat.cpu_seconds(roots)
            if now - last <= idle_cpu:
                break
            last = now
        return round(time.monotonic() - started, 2)

    def _wrk_command(self, script, path_args, connections, seconds, url):
        threads = max(1, min(2, connections))
        command = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                   "-s", os.path.join(HERE, script), url, "--", *path_args]
        return command, dict(os.environ, STACKS_BENCH_PARAMS=self.params)

    def wrk(self, script, path_args, connections, seconds, url):
        """One wrk run of `script` (a file of this folder) at `connections` for `seconds`."""
        command, env = self._wrk_command(script, path_args, connections, seconds, url)
        return self._measured(command, env, _parse_wrk)

    def wrk_process(self, script, path_args, connections, seconds, url):
        """A wrk run in the background (for the login burst); read it with finish_wrk()."""
        command, env = self._wrk_command(script, path_args, connections, seconds, url)
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def finish_wrk(process):
        """The result of a background wrk run."""
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"wrk exited {process.returncode}: {err.strip()[-2000:]}")
        return _parse_wrk(out)

    def pgbench(self, clients, seconds, id_min, id_max):
        """pgbench -M prepared on the book-by-id statement, as the superuser over the unix socket."""
        command = [PGBENCH, "-n", "-M", "prepared", "-c", str(clients), "-j", str(max(1, min(2, clients))),
                   "-T", str(seconds), "-f", os.path.join(HERE, "book_by_id.sql"),
                   "-D", f"min={id_min}", "-D", f"max={id_max}"]
        return self._measured(command, self.stack.pg_env(), _parse_pgbench)


def _children_cpu():
    """CPU seconds of this process's children that have exited (wrk, pgbench)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _parse_wrk(out):
    line = next((l for l in out.splitlines() if l.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH_RESULT line:\n{out[-2000:]}")
    raw = json.loads(line[len("BENCH_RESULT "):])
    statuses = {int(k): int(v) for k, v in raw["statuses"].items()}
    socket_errors = {k: int(v) for k, v in raw["socket_errors"].items()}
    seconds = raw["duration_us"] / 1e6
    requests = int(raw["requests"])
    non_2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    errors = non_2xx + sum(v for k, v in socket_errors.items() if k != "status")
    return {
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": (raw["latency_us"].get("50") or 0) / 1000,
        "p90_ms": (raw["latency_us"].get("90") or 0) / 1000,
        "p99_ms": (raw["latency_us"].get("99") or 0) / 1000,
        "p999_ms": (raw["latency_us"].get("99.9") or 0) / 1000,
        "mean_ms": (raw.get("latency_mean_us") or 0) / 1000,
        "max_ms": (raw.get("latency_max_us") or 0) / 1000,
        "errors": errors,
        "statuses": statuses,
        "socket_errors": socket_errors,
    }


def _parse_pgbench(out):
    def number(pattern):
        found = re.search(pattern, out)
        return float(found.group(1)) if found else None

    processed = number(r"number of transactions actually processed: (\d+)")
    if processed is None:
        raise RuntimeError(f"pgbench printed no result:\n{out[-2000:]}")
    failed = number(r"number of failed transactions: (\d+)") or 0
    tps = number(r"tps = ([\d.]+) \(without initial connection time\)")
    return {
        "requests": int(processed),
        "seconds": processed / tps if tps else 0.0,
        "rps": tps or 0.0,
        "mean_ms": number(r"latency average = ([\d.]+) ms"),
        "p50_ms": None,
        "p99_ms": None,
        "errors": int(failed),
        "statuses": {},
        "socket_errors": {},
    }
