"""CPU time and memory of process trees, from /proc.

A tree's CPU time is its root's utime+stime plus the time of children it has already reaped
(cutime+cstime), plus every live descendant's own: so a PostgreSQL backend or a worker that exits
between two readings still counts, once its parent has waited for it."""
import os

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 of proc(5): state; ppid is field 4, utime..cstime are fields 14-17.
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def _children():
    """ppid → [pid] for every process."""
    tree = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(name)
            if stat:
                tree.setdefault(stat[0], []).append(int(name))
    return tree


def cpu_seconds(roots, tree=None):
    """CPU seconds used so far by the trees under these root pids (reaped children included)."""
    tree = tree if tree is not None else _children()
    total, stack, seen = 0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stat = _stat(pid)
        if stat:
            total += stat[1]
        stack.extend(tree.get(pid, []))
    return total / TICK


def snapshot(groups):
    """{group name: CPU seconds} for {group name: [root pids]}, from one reading of the process table."""
    tree = _children()
    return {name: cpu_seconds(roots, tree) for name, roots in groups.items()}


def children(pids):
    """The direct children of these pids (the workers of multiwatch supervisors)."""
    tree = _children()
    return sorted(c for p in pids for c in tree.get(p, []))


def smaps_rollup(pid):
    """{field: KiB} of /proc/PID/smaps_rollup (Rss, Pss, Private_Clean, Private_Dirty, …), None when
    the process is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if rest.strip().endswith("kB"):
                    values[key] = int(rest.split()[0])
    except OSError:
        return None
    return values or None


def memory(pids):
    """{pid: {"rss_kib", "private_dirty_kib"}} from /proc/PID/smaps_rollup (a pid that is gone is left out)."""
    out = {}
    for pid in pids:
        values = smaps_rollup(pid)
        if values and "Rss" in values and "Private_Dirty" in values:
            out[pid] = {"rss_kib": values["Rss"], "private_dirty_kib": values["Private_Dirty"]}
    return out


def box_busy_seconds():
    """CPU seconds the whole box has spent busy (all CPUs, from /proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is inside user already.
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICK
