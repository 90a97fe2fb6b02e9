"""Benchmark `policywatch check` on N `page` sources served by ../shared/bench/pageserver.py.

For N in (100, 1000): a baseline cycle, then 10% of the pages change, then the measured
cycle: wall time, CPU (user+sys) and peak RSS of the whole `policywatch check` process,
start-up included. `--transports` also compares httpx's default transport with the
aiohttp transport on N plain GETs (CPU seconds). Run by hand: `python bench/bench_check.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
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


def bench_check(pages: int) -> None:
    """Baseline cycle, 10% mutation, measured cycle; prints one line each."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, base = start_server(pages, folder)
        try:
            config = write_config(folder, base, pages)
            first = measured(config)
            get(f"{base}/mutate?fraction=0.1&seed=1")
            get(f"{base}/reset-stats")
            second = measured(config)
            stats = json.loads(get(f"{base}/stats"))
            print(
                f"{pages:>5} pages  baseline: wall {first['wall']:.2f}s cpu {first['cpu']:.2f}s"
                f" rss {first['rss_mb']:.0f}MB"
            )
            print(
                f"{pages:>5} pages  10% changed: wall {second['wall']:.2f}s"
                f" cpu {second['cpu']:.2f}s rss {second['rss_mb']:.0f}MB rc {second['rc']}"
                f"  server: {json.dumps(stats)[:160]}"
            )
        finally:
            proc.terminate()
            proc.wait()


async def _gets(base: str, pages: int, transport: str) -> None:
    import httpx

    sys.path.insert(0, str(ROOT))
    if transport == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        client = httpx.AsyncClient(transport=AiohttpTransport())
    else:
        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=32))
    sem = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        async with sem:
            (await client.get(f"{base}/art/{i}.html")).raise_for_status()

    async with client:
        await asyncio.gather(*(one(i) for i in range(pages)))


def bench_transports(pages: int) -> None:
    """CPU seconds of `pages` GETs per httpx transport, in this process."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(pages, Path(tmp))
        try:
            for transport in ("default", "aiohttp"):
                cpu, wall = time.process_time(), time.perf_counter()
                asyncio.run(_gets(base, pages, transport))
                print(
                    f"{pages} GETs httpx/{transport}: wall {time.perf_counter() - wall:.2f}s"
                    f" cpu {time.process_time() - cpu:.2f}s"
                )
        finally:
            proc.terminate()
            proc.wait()


def main() -> None:
    """Parse arguments and run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--transports", action="store_true", help="compare httpx transports")
    args = parser.parse_args()
    if args.transports:
        bench_transports(max(args.pages))
    for pages in args.pages:
        bench_check(pages)
    print(
        f"peak RSS of this driver: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}MB"
    )


if __name__ == "__main__":
    main()
