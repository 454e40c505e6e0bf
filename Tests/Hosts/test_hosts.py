"""The several-hosts topology (deploy/hosts), end to end: three app hosts and two db hosts as network
namespaces, brought up by the module's fixture and taken down after it.

Run by `deploy/hosts check` (root; STACKS_HOME, STACKS_PORT, STACKS_HOSTS_NET and STACKS_BIN as for
deploy/hosts). The tests run in file order and share the topology: each leaves it serving with every
host up. STACKS_TEST_HOSTS_KEEP=1 leaves it running at the end. Figures are printed (pytest -s).
"""
import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOSTS = os.path.join(ROOT, "deploy", "hosts")
APP_HOSTS = ["app1", "app2", "app3"]


def hosts(*args, timeout=180):
    """Runs a deploy/hosts control and returns its output; a failure fails the test."""
    result = subprocess.run([HOSTS, *args], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"deploy/hosts {' '.join(args)} failed: {result.stderr}{result.stdout}"
    return result.stdout.strip()


def figure(text):
    print(f"\n  hosts: {text}", flush=True)


def psql(url, sql):
    """One statement over TCP from the root namespace; its rows as text lines."""
    result = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def topology_env():
    """deploy/hosts env, read: URLs of nginx, the current primary and replica, the log folder."""
    env = {}
    for line in hosts("env").splitlines():
        name, _, value = line.partition("=")
        env[name] = value.strip("'")
    return env


@pytest.fixture(scope="module")
def topology():
    started = time.monotonic()
    hosts("up", "3", timeout=900)
    figure(f"up 3 took {time.monotonic() - started:.1f} s")
    yield topology_env()
    if os.environ.get("STACKS_TEST_HOSTS_KEEP") != "1":
        hosts("down")


@pytest.fixture(scope="module")
def auth(topology):
    """An API key for a guest member (the topology runs in open-key mode, like deploy/up)."""
    email = f"hosts-{uuid.uuid4().hex[:12]}@example.org"
    response = requests.post(topology["STACKS_HOSTS_URL"] + "/api/auth/generate-key", json={"email": email}, timeout=30)
    assert response.status_code == 201, response.text
    return {"Authorization": "Bearer " + response.json()["data"]["api_key"]}


def worker_pids(host=None):
    return [int(p) for p in hosts("worker-pids", *([host] if host else [])).split()]


def host_of_pid():
    return {pid: host for host in APP_HOSTS for pid in worker_pids(host)}


def address(host):
    line = next(line for line in hosts("status").splitlines() if line.startswith(host + " "))
    return line.split()[1]


def access_log(topology, since):
    """nginx's access-log entries written at or after `since` (lines are flushed within a second)."""
    time.sleep(1.2)
    entries = []
    with open(os.path.join(topology["STACKS_HOSTS_LOGS"], "access.log")) as log:
        for line in log:
            entry = json.loads(line)
            if entry["time"] >= since:
                entries.append(entry)
    return entries


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


class Load:
    """Reads (GET /api/books) and writes (a chat message each) from threads until stopped; every answer
    recorded with the moment its request started."""

    def __init__(self, topology, auth, readers=2, writers=1, idempotency=False):
        self.url = topology["STACKS_HOSTS_URL"]
        self.auth = auth
        self.idempotency = idempotency
        self.results = []  # (kind, started, ended, status, retry_after)
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self.read) for _ in range(readers)]
        self.threads += [threading.Thread(target=self.write, args=(n,)) for n in range(writers)]

    def record(self, kind, started, send):
        """Sends a request (`send()`), records its answer, or "error" when none came within a minute."""
        try:
            response = send()
            status, retry_after = response.status_code, response.headers.get("Retry-After")
        except requests.RequestException:
            status, retry_after = "error", None
        with self.lock:
            self.results.append((kind, started, time.monotonic(), status, retry_after))

    def read(self):
        while not self.stopped.is_set():
            self.record("read", time.monotonic(),
                        lambda: requests.get(self.url + "/api/books?limit=5", headers=self.auth, timeout=60))

    def write(self, n):
        conversation = f"hosts-{uuid.uuid4().hex[:8]}-{n}"
        i = 0
        while not self.stopped.is_set():
            i += 1
            headers = dict(self.auth)
            if self.idempotency:
                headers["Idempotency-Key"] = uuid.uuid4().hex
            self.record("write", time.monotonic(),
                        lambda: requests.post(f"{self.url}/api/chat/{conversation}", json={"message": f"message {i}"},
                                              headers=headers, timeout=60))
            time.sleep(0.01)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        time.sleep(0.5)
        self.stopped.set()
        for thread in self.threads:
            thread.join()

    def statuses(self, kind=None):
        return Counter(r[3] for r in self.results if kind is None or r[0] == kind)


def test_requests_through_nginx_reach_every_app_host(topology, auth):
    since = now_iso()
    owners = host_of_pid()
    served = Counter()
    for _ in range(60):
        response = requests.get(topology["STACKS_HOSTS_URL"] + "/api/health", timeout=10)
        assert response.status_code == 200
        served[owners.get(response.json()["data"]["pid"], "unknown")] += 1
    figure(f"60 health checks answered by {dict(served)}")
    assert set(served) == set(APP_HOSTS)
    upstreams = Counter(e["upstream_addr"].split(":")[0] for e in access_log(topology, since) if e["path"] == "/api/health")
    assert set(upstreams) == {address(host) for host in APP_HOSTS}


def test_a_write_acknowledged_by_the_primary_is_on_the_synchronous_replica(topology, auth):
    assert psql(topology["STACKS_HOSTS_ADMIN_URL"],
                "SELECT application_name || ' ' || sync_state FROM pg_stat_replication") == "db2 sync"
    email = f"replica-{uuid.uuid4().hex[:12]}@example.org"
    response = requests.post(topology["STACKS_HOSTS_URL"] + "/api/auth/register",
                             json={"email": email, "password": "correct horse battery", "name": "Replica Check"},
                             timeout=30)
    assert response.status_code == 201, response.text
    started = time.monotonic()
    query = f"SELECT count(*) FROM members WHERE email = '{email}'"
    while psql(topology["STACKS_HOSTS_REPLICA_URL"], query) != "1":
        assert time.monotonic() - started < 5, "the registered member never appeared on the replica"
        time.sleep(0.02)
    figure(f"write visible on the replica {1000 * (time.monotonic() - started):.0f} ms after its 201")


def test_a_killed_host_is_marked_down_and_reads_stay_2xx(topology, auth):
    before = worker_pids("app2")
    # Writes carry an idempotency key: nginx may then send one a worker died on to another host.
    with Load(topology, auth, readers=3, writers=2, idempotency=True) as load:
        since = now_iso()
        hosts("kill", "app2")
        later = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 1))
        time.sleep(3)
    assert worker_pids("app2") == []
    assert load.statuses() == Counter({200: len(load.results)}), load.statuses()
    dead = address("app2")
    entries = access_log(topology, since)
    retried = [e for e in entries if dead in e["upstream_addr"] and "," in e["upstream_addr"]]
    probes = [e for e in entries if e["time"] >= later and dead in e["upstream_addr"]]
    figure(f"kill app2 under {dict(Counter(r[0] for r in load.results))} requests: all 200; {len(retried)} retried "
           f"on another host; {len(probes)} sent to app2 in the 2 s after (marked down)")
    assert retried, "no request was retried away from the killed host"
    assert len(probes) <= 2, "nginx kept sending requests to the dead host"
    hosts("start", "app2")
    after = worker_pids("app2")
    assert after and not set(after) & set(before)
    # Back in nginx's rotation once its fail_timeout (5 s) has passed.
    deadline = time.monotonic() + 10
    while True:
        response = requests.get(topology["STACKS_HOSTS_URL"] + "/api/health", timeout=10)
        if response.json()["data"]["pid"] in after:
            break
        assert time.monotonic() < deadline, "the restarted host never served again"
        time.sleep(0.05)


def test_a_cut_host_is_marked_down_and_reads_stay_2xx(topology, auth):
    with Load(topology, auth, readers=3, writers=0) as load:
        hosts("cut", "app3")
        assert " cut " in next(line for line in hosts("status").splitlines() if line.startswith("app3 "))
        time.sleep(3)
    slowest = max(r[2] - r[1] for r in load.results)
    figure(f"cut app3 under {len(load.results)} reads: {dict(load.statuses())}, slowest {slowest:.2f} s "
           "(a connection to a cut host times out after 2 s)")
    assert load.statuses() == Counter({200: len(load.results)})
    hosts("join", "app3")
    owners = set(worker_pids("app3"))
    deadline = time.monotonic() + 10
    while requests.get(topology["STACKS_HOSTS_URL"] + "/api/health", timeout=10).json()["data"]["pid"] not in owners:
        assert time.monotonic() < deadline, "the joined host never served again"
        time.sleep(0.05)


def test_failover_answers_503_only_while_no_primary_and_no_worker_restarts(topology, auth):
    pids = sorted(worker_pids())
    with Load(topology, auth, readers=0, writers=2) as load:
        killed = time.monotonic()
        hosts("db-kill")
        time.sleep(1.5)
        hosts("promote")
        promoted = time.monotonic()
        time.sleep(3)
    writes = [r for r in load.results if r[0] == "write"]
    unavailable = [r for r in writes if r[3] == 503]
    assert set(load.statuses()) <= {200, 503}, load.statuses()
    assert unavailable, "no write met the missing primary"
    assert all(r[4] == "1" for r in unavailable), "a 503 without Retry-After"
    assert all(r[2] >= killed and r[1] <= promoted for r in unavailable), "a 503 outside the window without a primary"
    first_ok = min(r[2] for r in writes if r[3] == 200 and r[1] >= killed + 1.5)
    figure(f"failover: {len(unavailable)} writes answered 503 (Retry-After: 1) in the {promoted - killed:.1f} s "
           f"without a primary; first 200 {first_ok - promoted:+.2f} s after promote returned; "
           f"{dict(load.statuses())}")
    assert first_ok - promoted <= 2
    assert sorted(worker_pids()) == pids, "a worker died or was restarted"
    assert next(line for line in hosts("status").splitlines() if line.startswith("db2 ")).split()[2] == "primary"
    # db1 is a former primary: never started as one; rebuilt as the replica.
    assert subprocess.run([HOSTS, "start", "db1"], capture_output=True).returncode != 0
    hosts("db-rejoin", "db1")
    env = topology_env()
    assert address("db2") in env["STACKS_HOSTS_ADMIN_URL"] and address("db1") in env["STACKS_HOSTS_REPLICA_URL"]
    assert psql(env["STACKS_HOSTS_ADMIN_URL"], "SELECT application_name || ' ' || sync_state FROM pg_stat_replication") == "db1 sync"


def primary():
    return next(line.split()[0] for line in hosts("status").splitlines() if " primary postgres " in line)


def test_failover_from_a_primary_cut_off_the_network_leaves_no_worker_hanging(topology, auth):
    """Pins the workers' TCP user timeout and keepalives (in DATABASE_URL): a cut primary sends no FIN, and
    without them each worker waited on its connection for TCP's retransmissions (a quarter of an hour)."""
    old = primary()
    with Load(topology, auth, readers=1, writers=3) as load:
        hosts("cut", old)
        time.sleep(1)
        hosts("failover")
        failed_over = time.monotonic()
        time.sleep(6)
    after = [r for r in load.results if r[1] >= failed_over]
    slowest = max(r[2] - r[1] for r in after)
    figure(f"failover from a cut {old}: {dict(load.statuses())} in all; after it {dict(Counter(r[3] for r in after))}, "
           f"slowest {slowest:.1f} s")
    assert set(load.statuses()) <= {200, 503}, load.statuses()
    assert after and slowest < 4.5, "a worker waited on its connection to the cut primary"
    assert all(r[3] == 200 for r in after if r[1] >= failed_over + 4.5)
    hosts("join", old)
    hosts("db-rejoin", old)
    assert primary() != old


def test_rollout_under_load_fails_no_request(topology, auth):
    before = set(worker_pids())
    ports = {line.split()[0]: line.split()[4] for line in hosts("status").splitlines() if line.startswith("app")}
    with Load(topology, auth, readers=2, writers=2) as load:
        started = time.monotonic()
        out = hosts("rollout")
        took = time.monotonic() - started
    figure(f"rollout of 3 hosts in {took:.1f} s under {len(load.results)} requests: {dict(load.statuses())}")
    assert load.statuses() == Counter({200: len(load.results)})
    assert "3 app hosts" in out
    assert not before & set(worker_pids())
    for line in hosts("status").splitlines():
        if line.startswith("app"):
            assert line.split()[4] != ports[line.split()[0]], line


def test_restart_keeps_the_data_and_renews_every_process(topology, auth):
    email = f"restart-{uuid.uuid4().hex[:12]}@example.org"
    response = requests.post(topology["STACKS_HOSTS_URL"] + "/api/auth/generate-key", json={"email": email}, timeout=30)
    assert response.status_code == 201
    key = {"Authorization": "Bearer " + response.json()["data"]["api_key"]}
    before = set(worker_pids())
    started = time.monotonic()
    hosts("restart")
    figure(f"restart of every process in {time.monotonic() - started:.1f} s")
    assert not before & set(worker_pids())
    assert requests.get(topology["STACKS_HOSTS_URL"] + "/api/auth/me", headers=key, timeout=10).status_code == 200
    status = hosts("status")
    assert status.count(" up port ") == 3 and " replica postgres " in status and " primary postgres " in status
