"""Benchmark `policywatch check` on N `page` sources served by ../shared/bench/pageserver.py.

For N in (100, 1000): a baseline cycle, then 10% of the pages change, then the measured
cycle: wall time, CPU (user+sys) and peak RSS of the whole `policywatch check` process,
start-up included, plus the requests and 304s the server saw. `--small` also times small
cycles: a `policywatch check` process of one changed source, and one-source cycles in one
process as the daemon runs them (its reading worker kept warm). `--transports` compares HTTP
stacks (httpx default, httpx on httpx-aiohttp, aiohttp) on N plain GETs, each in a fresh
process. Run by hand: `python bench/bench_check.py [--small] [--transports]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGESERVER = Path(os.environ.get("PAGESERVER", "/work/shared/bench/pageserver.py"))
POLICYWATCH = [sys.executable, "-c", "from monitor.cli import main; main()"]


def start_server(pages: int, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The page server on a free port; returns the process and its base URL."""
    port_file = folder / "port"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(PAGESERVER),
            "--port",
            "0",
            "--pages",
            str(pages),
            "--port-file",
            str(port_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        if port_file.exists() and port_file.read_text().strip():
            return proc, f"http://127.0.0.1:{port_file.read_text().strip()}"
        time.sleep(0.05)
    raise RuntimeError("page server did not start")


def write_config(folder: Path, base: str, pages: int) -> Path:
    """A config of `pages` page sources on one loopback host."""
    lines = [
        f'[database]\npath = "{folder / "bench.db"}"\n',
        '[fetch]\nallow_hosts = ["127.0.0.1"]\nconcurrency = 32\nper_host = 32\n',
    ]
    for i in range(pages):
        lines.append(f'[[source]]\nname = "p{i}"\nkind = "page"\nurl = "{base}/art/{i}.html"\n')
    path = folder / "bench.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def measured(config: Path) -> dict[str, float]:
    """Run one `policywatch check` in a fresh wrapper so rusage covers only that process."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        f"rc = subprocess.run({POLICYWATCH!r} + ['--config', {str(config)!r}, 'check'],"
        " stdout=subprocess.DEVNULL).returncode\n"
        "wall = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'rc': rc, 'wall': wall, 'cpu': u.ru_utime + u.ru_stime,"
        " 'rss_mb': u.ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(out.stdout))


def get(url: str) -> bytes:
    """A plain GET (control endpoints of the page server)."""
    with urllib.request.urlopen(url) as response:
        return bytes(response.read())


ROW = "{:>7} {:>8} {:>7} {:>7} {:>8} {:>8} {:>5}  {}"


def bench_check(pages: int) -> list[str]:
    """Baseline cycle, 10% mutation, measured cycle; returns two table rows."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, base = start_server(pages, folder)
        try:
            config = write_config(folder, base, pages)
            for label in ("baseline", "10%"):
                if label == "10%":
                    get(f"{base}/mutate?fraction=0.1&seed=1")
                get(f"{base}/reset-stats")
                run = measured(config)
                stats = json.loads(get(f"{base}/stats"))
                status = stats["status"]
                rows.append(
                    ROW.format(
                        pages,
                        label,
                        f"{run['wall']:.2f}s",
                        f"{run['cpu']:.2f}s",
                        f"{run['rss_mb']:.0f}MB",
                        stats["page_requests"],
                        status.get("304", 0),
                        f"rc={run['rc']} server cpu {stats['server_cpu_s']:.2f}s",
                    )
                )
        finally:
            proc.terminate()
            proc.wait()
    return rows


SMALL_LOOP = """
import asyncio, inspect, json, resource, sys, time, urllib.request
from monitor.check.cycle import run_check
from monitor.config import load_config
from state.store import open_store

config = load_config(sys.argv[1])
base, cycles = sys.argv[2], int(sys.argv[3])
warm = "reader" in inspect.signature(run_check).parameters  # the daemon's warm worker (#16)


async def main() -> list[float]:
    times = []
    with open_store(config.database.path) as store:
        extra = {}
        if warm:
            from monitor.check.reader import Reader

            reader = Reader.for_config(config)
            await reader.__aenter__()
            extra = {"reader": reader}
        for i in range(cycles + 1):
            urllib.request.urlopen(f"{base}/mutate?ids=0").read()
            started = time.perf_counter()
            await run_check(config, store, sources=("p0",), **extra)
            times.append(time.perf_counter() - started)
        if warm:
            await reader.__aexit__(None, None, None)
    return times[1:]  # the first cycle is the baseline


times = sorted(asyncio.run(main()))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"median": times[len(times) // 2], "cpu": usage.ru_utime + usage.ru_stime}))
"""


def bench_small(runs: int = 5, cycles: int = 20) -> list[str]:
    """One changed source: `policywatch check` processes, then daemon-style cycles."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, base = start_server(1, folder)
        try:
            config = write_config(folder, base, 1)
            measured(config)  # the baseline version
            walls = []
            for _ in range(runs):
                get(f"{base}/mutate?ids=0")
                walls.append(measured(config))
            walls.sort(key=lambda r: r["wall"])
            mid = walls[len(walls) // 2]
            rows.append(
                f"  `policywatch check`, 1 changed source: median of {runs} processes"
                f" {mid['wall']:.3f}s wall, {mid['cpu']:.2f}s CPU (worker included)"
            )
            out = subprocess.run(
                [sys.executable, "-c", SMALL_LOOP, str(config), base, str(cycles)],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            loop = json.loads(out.stdout) if out.returncode == 0 else {"median": 0, "cpu": 0}
            rows.append(
                f"  {cycles} one-source cycles in one process (the daemon's way):"
                f" median {loop['median'] * 1000:.1f} ms per cycle,"
                f" {loop['cpu']:.2f}s CPU in the main process"
            )
        finally:
            proc.terminate()
            proc.wait()
    return rows


async def _gets(base: str, pages: int, transport: str) -> None:
    sem = asyncio.Semaphore(32)
    if transport == "aiohttp":
        import aiohttp

        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:

            async def raw(i: int) -> None:
                async with sem, session.get(f"{base}/art/{i}.html") as response:
                    response.raise_for_status()
                    await response.read()

            await asyncio.gather(*(raw(i) for i in range(pages)))
        return
    import httpx

    if transport == "httpx/aiohttp":
        from httpx_aiohttp import AiohttpTransport

        client = httpx.AsyncClient(transport=AiohttpTransport())
    else:
        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=32))

    async def one(i: int) -> None:
        async with sem:
            (await client.get(f"{base}/art/{i}.html")).raise_for_status()

    async with client:
        await asyncio.gather(*(one(i) for i in range(pages)))


def bench_transports(pages: int) -> None:
    """Wall and CPU seconds of `pages` plain GETs per HTTP stack, each in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(pages, Path(tmp))
        try:
            print(f"{pages} GETs (200, ~16 KB), 32 in flight; fresh process each, imports included")
            for transport in ("httpx", "httpx/aiohttp", "aiohttp"):
                code = (
                    "import asyncio, resource, sys, time\n"
                    f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                    "from bench_check import _gets\n"
                    "t = time.perf_counter()\n"
                    f"asyncio.run(_gets({base!r}, {pages}, {transport!r}))\n"
                    "u = resource.getrusage(resource.RUSAGE_SELF)\n"
                    "print(f'{time.perf_counter() - t:.2f}s {u.ru_utime + u.ru_stime:.2f}s')\n"
                )
                out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
                wall, cpu = out.stdout.split() if out.returncode == 0 else ("?", "?")
                print(f"  {transport:<14} wall {wall} (after imports)  process cpu {cpu}")
        finally:
            proc.terminate()
            proc.wait()


def main() -> None:
    """Parse arguments and run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--transports", action="store_true", help="compare HTTP stacks")
    parser.add_argument("--small", action="store_true", help="also time one-source cycles")
    args = parser.parse_args()
    # An installed policywatch has its bytecode compiled by pip; a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module on every start.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "monitor", "parsers", "notifications", "state"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if args.transports:
        bench_transports(max(args.pages))
    rows = [row for pages in args.pages for row in bench_check(pages)]
    print("policywatch check, whole process (start-up included); target 1,000 x 10%: < 1.0s")
    print(ROW.format("sources", "cycle", "wall", "cpu", "peak RSS", "requests", "304s", ""))
    for row in rows:
        print(row)
    if args.small:
        print("small cycles (one changed page each):")
        for row in bench_small():
            print(row)


if __name__ == "__main__":
    main()
