"""Turns the rounds of a bench run into medians, ratios to the ceilings, target checks, aligned
tables for the terminal and README, and the JSON of .stacks-bench/latest.json."""
import statistics

FLAT_KIB = 1024  # a worker's private dirty memory may grow this much from the warm-up to the end


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(name, rounds):
    """Medians over the rounds of one scenario; errors are summed."""
    cpu = {}
    for group in rounds[0]["cpu_s"]:
        cpu[group] = median([r["cpu_s"][group] / r["requests"] * 1e6 if r["requests"] else None for r in rounds])
    statuses = {}
    for r in rounds:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        "name": name,
        "rps": median([r["rps"] for r in rounds]),
        "p50_ms": median([r.get("p50_ms") for r in rounds]),
        "p99_ms": median([r.get("p99_ms") for r in rounds]),
        "mean_ms": median([r.get("mean_ms") for r in rounds]),
        "errors": sum(r["errors"] for r in rounds),
        "requests": sum(r["requests"] for r in rounds),
        "statuses": statuses,
        "cpu_us_per_request": cpu,
        "other_cpu_share_max": max(r.get("other_cpu_share", 0.0) for r in rounds),
        "rounds": len(rounds),
    }


def burst_summary(bursts):
    """Medians of the login-burst rounds (None when the burst did not run)."""
    if not bursts:
        return None
    return {"ratio": median([b["ratio"] for b in bursts]),
            "alone_rps": median([b["alone"]["rps"] for b in bursts]),
            "with_logins_rps": median([b["with_logins"]["rps"] for b in bursts]),
            "logins_rps": median([b["logins"]["rps"] for b in bursts]),
            "errors": sum(b["alone"]["errors"] + b["with_logins"]["errors"] + b["logins"]["errors"] for b in bursts),
            "rounds": bursts}


def memory_stats(snapshot):
    """max/mean RSS and private dirty (KiB) over the workers of one snapshot {pid: {...}}."""
    if not snapshot:
        return None
    rss = [m["rss_kib"] for m in snapshot.values()]
    dirty = [m["private_dirty_kib"] for m in snapshot.values()]
    return {"workers": len(rss), "rss_max_kib": max(rss), "rss_mean_kib": sum(rss) / len(rss),
            "private_dirty_max_kib": max(dirty), "private_dirty_mean_kib": sum(dirty) / len(dirty)}


def memory_flatness(baseline, final):
    """Whether every worker's private dirty memory stayed within FLAT_KIB of its value after the warm-up."""
    common = sorted(set(baseline) & set(final))
    growth = {pid: final[pid]["private_dirty_kib"] - baseline[pid]["private_dirty_kib"] for pid in common}
    largest = max(growth.values()) if growth else None
    return {
        "baseline": memory_stats(baseline), "final": memory_stats(final),
        "growth_kib": {str(pid): g for pid, g in growth.items()}, "largest_growth_kib": largest,
        "restarted_workers": len(set(baseline) - set(final)),
        "flat": bool(common) and largest <= FLAT_KIB and len(common) == len(baseline),
    }


def targets(summary, burst, flatness, catalog_runs, one_worker=None):
    """The checks of issues 9 and 16 that this run's scenarios allow, each {what, value, limit, pass}."""
    out = []

    def check(what, value, limit, ok, unit=""):
        out.append({"what": what, "value": value, "limit": limit, "unit": unit,
                    "pass": bool(ok) if value is not None else False})

    s = summary
    fcgi, book = s.get("fcgi"), s.get("book-token@32")
    if fcgi and book:
        check("book by id + token ≥ 0.5× the FastCGI ceiling (aim 0.65×)", book["rps"] / fcgi["rps"], 0.5,
              book["rps"] / fcgi["rps"] >= 0.5, "×")
        check("p99 of book by id at 32 connections ≤ 2× the C responder's p99", book["p99_ms"] / fcgi["p99_ms"], 2.0,
              book["p99_ms"] <= 2 * fcgi["p99_ms"], "×")
    if fcgi and s.get("health"):
        ratio = s["health"]["rps"] / fcgi["rps"]
        check("health ≥ 0.85× the FastCGI ceiling", ratio, 0.85, ratio >= 0.85, "×")
    if book and s.get("pgbench"):
        mine = book["cpu_us_per_request"]["postgres"]
        base = s["pgbench"]["cpu_us_per_request"]["postgres"]
        check("PostgreSQL CPU per book-by-id request ≤ 2× pgbench's per query", mine / base, 2.0, mine <= 2 * base, "×")
    api = {k: v for k, v in s.items() if k not in ("nginx", "fcgi", "fcgi@512", "pgbench")}
    if api:
        failing = sorted(k for k, v in api.items() if v["errors"])
        check("no errors at any level" + (f" (errors in: {', '.join(failing)})" if failing else ""),
              sum(v["errors"] for v in api.values()), 0, not failing)
    if book and s.get("book-token@512"):
        kept = s["book-token@512"]["rps"] / book["rps"]
        check("32 → 512 connections keeps ≥ 0.9× throughput (book by id)", kept, 0.9, kept >= 0.9, "×")
    if burst:
        check("reads keep ≥ 0.5× their rate during a login burst", burst["ratio"], 0.5, burst["ratio"] >= 0.5, "×")
    if flatness:
        check(f"private memory per worker flat (growth ≤ {FLAT_KIB} KiB from warm-up to end)",
              flatness["largest_growth_kib"], FLAT_KIB, flatness["flat"], "KiB")
    if one_worker:
        check(f"one worker's private memory flat over {one_worker['requests']:,} requests from "
              f"{one_worker['members']:,} members (growth ≤ {one_worker['limit_kib']} KiB from request "
              f"{one_worker['warmup_requests']:,} to the end, no errors)"
              + (f" — {one_worker['errors']} errors" if one_worker["errors"] else ""),
              one_worker["private_growth_kib"], one_worker["limit_kib"], one_worker["flat"], "KiB")
    for label, results in catalog_runs:
        failing = [r["query"] for r in results if not r["pass"]]
        check(f"catalog at {results[0]['catalog']:,} titles: few matches ≤ 5 ms, large shares ≤ 50 ms (p50)"
              + (f" — over: {', '.join(failing)}" if failing else ""),
              len(failing), 0, not failing, "over target")
    return out


def table(rows, header, align):
    """Text table: `align` is a string of 'l'/'r', one per column."""
    cells = [header] + [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(row, widths, align)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _n(value, digits=0):
    if value is None:
        return None
    return f"{value:,.{digits}f}"


def scenario_table(summary, labels):
    """req/s, p50, p99, errors, ratio to each ceiling and CPU per request of every scenario."""
    fcgi = summary.get("fcgi", {}).get("rps")
    nginx = summary.get("nginx", {}).get("rps")
    rows = []
    for name, (label, connections) in labels.items():
        s = summary.get(name)
        if not s:
            continue
        cpu = s["cpu_us_per_request"]
        worker = cpu.get("responder") if name.startswith("fcgi") else cpu.get("workers")
        rows.append([
            label, connections, _n(s["rps"]),
            _n(s["p50_ms"], 2) if s["p50_ms"] is not None else _n(s["mean_ms"], 2) + " (mean)",
            _n(s["p99_ms"], 2), s["errors"],
            _n(s["rps"] / fcgi, 2) if fcgi else None, _n(s["rps"] / nginx, 2) if nginx else None,
            _n(cpu.get("postgres"), 0), _n(worker, 0), _n(cpu.get("nginx"), 0),
        ])
    return table(rows, ["scenario", "conns", "req/s", "p50 ms", "p99 ms", "errors", "×fcgi", "×nginx",
                        "pg µs/req", "worker µs/req", "nginx µs/req"], "lrrrrrrrrrr")


def memory_table(memory_rows):
    """Worker memory before → after each scenario (last round): RSS and private dirty, max/mean, MiB."""
    def mib(stats, key):
        return f"{stats[key] / 1024:.1f}" if stats else "-"
    rows = []
    for label, before, after in memory_rows:
        rows.append([label, f"{mib(before, 'rss_max_kib')} / {mib(before, 'rss_mean_kib')}",
                     f"{mib(after, 'rss_max_kib')} / {mib(after, 'rss_mean_kib')}",
                     f"{mib(before, 'private_dirty_max_kib')} / {mib(before, 'private_dirty_mean_kib')}",
                     f"{mib(after, 'private_dirty_max_kib')} / {mib(after, 'private_dirty_mean_kib')}"])
    return table(rows, ["scenario (last round)", "RSS before max/mean", "RSS after", "private dirty before",
                        "private dirty after"], "lrrrr")


def catalog_table(runs):
    """p50 per catalog query at each size, with the rows it matches and its target."""
    by_query = {}
    for _, results in runs:
        for r in results:
            by_query.setdefault(r["query"], []).append(r)
    header = ["query (1 connection)"]
    for _, results in runs:
        size = f"{results[0]['catalog']:,}"
        header += [f"matches @{size}", f"p50 ms @{size}"]
    header += ["target", "pass"]
    rows = []
    for query, results in by_query.items():
        row = [query]
        for r in results:
            row += [_n(r["matches"]), _n(r["p50_ms"], 2)]
        target = results[-1]["target_ms"]
        row += [f"≤ {target:g} ms", "PASS" if all(r["pass"] for r in results) else "FAIL"]
        rows.append(row)
    return table(rows, header, "l" + "r" * (len(header) - 2) + "l")


def memory_curve(one_worker):
    """The memory scenario's samples: the worker's memory after every SAMPLE_EVERY requests (KiB)."""
    warm = next(s for s in one_worker["samples"] if s["requests"] == one_worker["warmup_requests"])
    rows = []
    for s in one_worker["samples"]:
        since = s["private_kib"] - warm["private_kib"] if s["requests"] >= one_worker["warmup_requests"] else None
        rows.append([_n(s["requests"]) + (" (end of warm-up)" if s is warm else ""), _n(s["rss_kib"]),
                     _n(s["pss_kib"]), _n(s["private_kib"]), _n(s["private_dirty_kib"]),
                     "" if since is None else f"{since:+,}"])
    w, share = one_worker, one_worker["private_growth_share"]
    summary = (f"One worker, {w['requests']:,} requests (GET book, GET borrows, GET auth/me in turn) from "
               f"{w['members']:,} members (half API keys, half access tokens; {w['new_members_per_sample']} "
               f"new members every {w['sample_every']:,} requests) in {w['seconds']:.0f} s ({w['rps']:,.0f} req/s, "
               f"one at a time, straight to its socket); errors {w['errors']}. Private memory from request "
               f"{w['warmup_requests']:,} to the end: {w['private_growth_kib']:+,} KiB"
               + (f" ({share:+.1%})" if share is not None else "")
               + f"; Pss {w['pss_growth_kib']:+,} KiB; RSS {w['rss_growth_kib']:+,} KiB.")
    return table(rows, ["requests", "RSS KiB", "Pss KiB", "private KiB", "private dirty KiB",
                        "private since warm-up"], "lrrrrr") + "\n" + summary


def targets_text(checks):
    lines = []
    for c in checks:
        value = c["value"]
        shown = "n/a" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
        lines.append(f"{'PASS' if c['pass'] else 'FAIL'}  {c['what']}: {shown}{(' ' + c['unit']) if c['unit'] else ''}")
    return "\n".join(lines)


def render(info, settings, summary, labels, burst, flatness, memory_rows, catalog_runs, checks, notes,
           one_worker=None):
    """The whole report as printed (and kept in latest.json as "table")."""
    commit = (info["git_commit"] or "?")[:10] + (" (with uncommitted changes)" if info["git_dirty"] else "")
    out = [f"Stacks benchmark, {info['date']}, commit {commit}, binary sha256 {info['binary_sha256'][:12]}",
           f"{info['nproc']} CPUs ({info['cpu']}), Linux {info['kernel']}, {info['nginx']}, {info['postgres']}, "
           f"{settings['workers_per_pool']} workers × {settings['pools']} pools",
           f"{settings['rounds']} round(s) × {settings['duration_s']} s per scenario, medians; errors summed over rounds"]
    if summary:
        out += ["", scenario_table(summary, labels)]
    if burst:
        out += ["", f"Login burst ({settings['login_connections']} login connections beside 32 reading): book by id "
                    f"{burst['alone_rps']:,.0f} req/s alone, {burst['with_logins_rps']:,.0f} req/s meanwhile "
                    f"({burst['ratio']:.2f}×); {burst['logins_rps']:,.1f} logins/s; errors {burst['errors']}"]
    for note in notes:
        out += ["", note]
    if memory_rows:
        out += ["", memory_table(memory_rows)]
    if flatness and flatness["baseline"] and flatness["final"]:
        b, f = flatness["baseline"], flatness["final"]
        out += [f"Idle workers' private dirty after the warm-up: max {b['private_dirty_max_kib'] / 1024:.1f} MiB; "
                f"at the end: max {f['private_dirty_max_kib'] / 1024:.1f} MiB; largest growth of one worker "
                f"{flatness['largest_growth_kib']} KiB; restarted workers {flatness['restarted_workers']}; "
                f"{'flat' if flatness['flat'] else 'NOT flat'}"]
    if one_worker:
        out += ["", memory_curve(one_worker)]
    if catalog_runs:
        out += ["", catalog_table(catalog_runs)]
        if "catalog_generation_s" in info:
            out += [f"({settings['catalog']:,} titles generated in {info['catalog_generation_s']:.0f} s, "
                    "then VACUUM ANALYZE)"]
    out += ["", "Targets (issues 9 and 16):", targets_text(checks)]
    return "\n".join(out)
