"""Soak `policywatch run`: does a daemon that runs for months stay flat?

200 `page` sources checked every 15 s on ../shared/bench/pageserver.py, 5% of the pages changed
every 15 s through its `/mutate`, every source auto-approved, one subscriber (every change,
immediately), emails written as `.eml` files, for MINUTES minutes; then SIGTERM. Every 15 s it
prints the daemon's RSS (its own and its reading workers'), the database's bytes (with its
WAL), the change sets, the emails and the attempts so far; at the end the RSS at the end of the
first third against the last third, and the database's growth per change set.

`--trace FRAMES` starts the daemon under tracemalloc (FRAMES deep; 1 is cheap enough for 200
sources) and has it write a snapshot on SIGUSR1 at the end of each third; the script prints the
allocation sites that grew the most between them (what to bound). Run by hand: `python bench/bench_soak.py 30` (nice it on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_check import ROOT, start_server  # the page server on a free port

SOURCES = 200
EVERY = 15.0  # seconds: the sources' interval, and the mutation's
CHANGED = 0.05  # of the pages, every EVERY seconds

# The daemon as `policywatch run`, optionally under tracemalloc with a snapshot on SIGUSR1.
DAEMON = """
import os, signal, sys, tracemalloc
if sys.argv[1] != "-":
    tracemalloc.start(int(sys.argv[3]))
    os.register_at_fork(after_in_child=tracemalloc.stop)  # the reading workers run untraced
    shots = [0, sys.argv[1]]
    def shot(signum, frame):
        shots[0] += 1
        tracemalloc.take_snapshot().dump(f"{shots[1]}.{shots[0]}")
    signal.signal(signal.SIGUSR1, shot)
sys.argv = ["policywatch", "--config", sys.argv[2], "run"]  # after the tracemalloc set-up
from monitor.cli import main
main()
"""


def write_config(folder: Path, base: str) -> Path:
    """200 auto-approved page sources every 15 s, `.eml` outbox, sending every 15 s."""
    lines = [
        f'[database]\npath = "{folder / "soak.db"}"\n',
        '[fetch]\nallow_hosts = ["127.0.0.1"]\n',
        f'[outbox]\ndir = "{folder / "outbox"}"\n',
        '[daemon]\nsend_every = "15s"\njitter = "1s"\n',
    ]
    for i in range(SOURCES):
        lines.append(
            f'[[source]]\nname = "p{i}"\nkind = "page"\nurl = "{base}/art/{i}.html"\n'
            'every = "15s"\nauto_approve = true\n'
        )
    path = folder / "soak.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def policywatch(config: Path, *args: str) -> None:
    """One CLI command (set-up)."""
    subprocess.run(
        [sys.executable, "-c", "from monitor.cli import main; main()", "--config", str(config)]
        + list(args),
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def rss_mb(pid: int) -> float:
    """VmRSS of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """The direct children of a process (its reading workers, a forkserver)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def counts(db: Path) -> tuple[int, int, int]:
    """(change sets, fetch attempts, failed attempts) so far, read-only."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        sets = conn.execute("SELECT count(*) FROM change_sets").fetchone()[0]
        attempts = conn.execute("SELECT count(*) FROM fetch_attempts").fetchone()[0]
        failed = conn.execute(
            "SELECT count(*) FROM fetch_attempts WHERE outcome = 'failed'"
        ).fetchone()[0]
    finally:
        conn.close()
    return int(sets), int(attempts), int(failed)


def db_bytes(db: Path) -> int:
    """The database file and its WAL."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def top_growth(first: Path, last: Path, limit: int = 15) -> list[str]:
    """The allocation sites that grew the most between two tracemalloc snapshots."""
    import tracemalloc

    old = tracemalloc.Snapshot.load(str(first))
    new = tracemalloc.Snapshot.load(str(last))
    rows = []
    for stat in new.compare_to(old, "traceback")[:limit]:
        frames = [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}" for f in stat.traceback][-6:]
        rows.append(
            f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d}  " + " < ".join(frames)
        )
    return rows


def soak(minutes: float, trace: int, keep: Path | None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) if keep is None else keep
        folder.mkdir(parents=True, exist_ok=True)
        server, base = start_server(SOURCES, folder)
        try:
            return _soak(folder, base, minutes, trace)
        finally:
            server.terminate()
            server.wait()


def _soak(folder: Path, base: str, minutes: float, trace: int) -> int:
    config = write_config(folder, base)
    db = folder / "soak.db"
    policywatch(config, "db", "migrate")
    policywatch(config, "subscribers", "add", "Soak", "soak@example.com")
    shots = folder / "trace"
    log = (folder / "daemon.log").open("wb")
    daemon = subprocess.Popen(
        [sys.executable, "-c", DAEMON, str(shots) if trace else "-", str(config), str(trace or 1)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    print(
        f"# {SOURCES} sources every {EVERY:g}s, {CHANGED:.0%} changed every {EVERY:g}s,"
        f" {minutes:g} min; daemon pid {daemon.pid}"
    )
    print(
        f"{'t min':>6} {'RSS MB':>7} {'workers':>8} {'DB MB':>7} {'sets':>5} {'emails':>6}"
        f" {'attempts':>8} {'failed':>6}"
    )
    start = time.monotonic()
    end = start + minutes * 60
    thirds = [start + minutes * 60 / 3, start + minutes * 60 * 2 / 3]
    curve: list[tuple[float, float, int, int]] = []  # (t, rss, db bytes, change sets)
    shot_count = 0
    seed = 0
    while time.monotonic() < end and daemon.poll() is None:
        seed += 1
        urllib.request.urlopen(f"{base}/mutate?fraction={CHANGED}&seed={seed}").read()
        time.sleep(max(0.0, min(EVERY, end - time.monotonic())))
        if daemon.poll() is not None:
            break  # no sample of a process that is gone
        t = (time.monotonic() - start) / 60
        rss = rss_mb(daemon.pid)
        workers = sum(rss_mb(c) for c in children(daemon.pid))
        sets, attempts, failed = counts(db)
        emails = len(list((folder / "outbox").glob("*.eml")))
        size = db_bytes(db)
        curve.append((t, rss, size, sets))
        print(
            f"{t:6.2f} {rss:7.1f} {workers:8.1f} {size / 1e6:7.2f} {sets:5d} {emails:6d}"
            f" {attempts:8d} {failed:6d}",
            flush=True,
        )
        if trace and shot_count < len(thirds) and time.monotonic() >= thirds[shot_count]:
            daemon.send_signal(signal.SIGUSR1)
            shot_count += 1
    stopped = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    try:
        rc = daemon.wait(timeout=30)
    except subprocess.TimeoutExpired:
        daemon.kill()
        rc = daemon.wait()
    log.close()
    print(f"# SIGTERM -> exit {rc} in {time.monotonic() - stopped:.1f}s")
    _summary(curve, folder)
    if trace and shot_count == 2:
        print("# tracemalloc: what grew from the end of the first third to the end of the second")
        print("\n".join(top_growth(Path(f"{shots}.1"), Path(f"{shots}.2"))))
    lines = (folder / "daemon.log").read_text(errors="replace").splitlines()
    errors = [line for line in lines if "ERROR" in line or "Traceback" in line]
    if rc != 0:
        print("# daemon log ends:\n" + "\n".join(lines[-15:]))
    print(f"# daemon log: {len(errors)} error line(s)" + ("".join(f"\n  {e}" for e in errors[:5])))
    return rc


def _summary(curve: list[tuple[float, float, int, int]], folder: Path) -> None:
    if len(curve) < 6:
        print("# too short for thirds")
        return
    total = curve[-1][0]
    first = [c for c in curve if c[0] <= total / 3]
    last = [c for c in curve if c[0] >= total * 2 / 3]
    at_third = first[-1][1]
    late = [c[1] for c in last]
    worst = max(abs(r - at_third) / at_third for r in late)
    marks, step = [], 2.5
    for t, rss, _size, _sets in curve:
        if t >= step * len(marks):
            marks.append(f"{t:.1f} {rss:.1f}")
    print(f"# RSS curve (min MB), about every {step:g} min: " + ", ".join(marks))
    print(
        f"# RSS at the end of the first third {at_third:.1f} MB; last third"
        f" {min(late):.1f}-{max(late):.1f} MB (mean {sum(late) / len(late):.1f});"
        f" largest gap {worst:.1%}"
    )
    t0 = curve[0]
    sets = curve[-1][3] - t0[3]
    grown = curve[-1][2] - t0[2]
    if sets:
        print(
            f"# database {t0[2] / 1e6:.2f} -> {curve[-1][2] / 1e6:.2f} MB over {sets} change"
            f" sets: {grown / sets / 1024:.1f} KiB per change set"
        )
    emails = len(list((folder / "outbox").glob("*.eml")))
    print(json.dumps({"minutes": round(total, 2), "change_sets": curve[-1][3], "emails": emails}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("minutes", type=float, help="how long the daemon runs")
    parser.add_argument(
        "--trace", type=int, default=0, metavar="FRAMES", help="tracemalloc snapshots per third"
    )
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it")
    args = parser.parse_args()
    sys.exit(soak(args.minutes, args.trace, args.keep))


if __name__ == "__main__":
    main()
