"""The differ against another installation of policywatch (e.g. 0.1.0), interleaved, in one run.

    .venv/bin/python bench/compare_diff.py --baseline /path/to/other/.venv/bin/python [--rounds 5]

Each round runs every workload once in a fresh process of each interpreter, alternating which goes
first, so that load from other jobs on the machine falls on both alike. A process builds its inputs
with `bench/bench_diff.py` of this checkout (using that interpreter's own `parsers`), diffs once
cold (the first diff of a process, as in a check cycle) and three times warm, and reports CPU and
wall milliseconds. Printed: per workload, the median over rounds of each figure for both sides and
their ratio (this checkout / baseline), with the spread (min-max) of the cold CPU time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORKLOADS = (
    "synthetic:500",
    "synthetic:1000",
    "synthetic:2000",
    "synthetic:4000",
    "long:0.05",
    "long:0.5",
    "pair:cn-company-law-2018-2023",
    "pair:cn-patent-law-rules-2010-2023",
    "pair:cn-nsfc-regs-2007-2024",
)

_WORKER = r"""
import json, sys, time
sys.path.append({bench!r})
import bench_diff
import parsers
from parsers.diff import diff_clauses, diff_documents
kind, arg = {workload!r}.split(":")
if kind == "synthetic":
    old, new = bench_diff.synthetic(int(arg))
    run = lambda: diff_clauses(old, new)
elif kind == "long":
    old, new = bench_diff.long_clauses(rewritten=float(arg))
    run = lambda: diff_clauses(old, new)
else:
    from parsers import parse_path
    stem = next(p for p in bench_diff.PAIRS.rglob(arg + "-old.txt"))
    old = parse_path(stem)
    new = parse_path(stem.with_name(arg + "-new.txt"))
    run = lambda: diff_documents(old, new)
out = {{}}
for label, times in (("cold", 1), ("warm", 3)):
    cpu, wall = [], []
    for _ in range(times):
        c0, w0 = time.process_time(), time.perf_counter()
        run()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    out[label + "_cpu"], out[label + "_wall"] = min(cpu), min(wall)
out["parsers"] = parsers.__file__
print(json.dumps(out))
"""


def _run(python: str, workload: str) -> dict[str, Any]:
    code = _WORKER.format(bench=str(HERE), workload=workload)
    # run outside any checkout: `python -c` puts the working directory first on sys.path
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, check=True, cwd=cwd
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="python of the other installation")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    args = parser.parse_args()
    sides = {"this": sys.executable, "base": args.baseline}
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        w: {"this": [], "base": []} for w in args.workloads
    }
    for r in range(args.rounds):
        for workload in args.workloads:
            order = ("this", "base") if r % 2 == 0 else ("base", "this")
            for side in order:
                results[workload][side].append(_run(sides[side], workload))
    first = results[args.workloads[0]]
    print("parsers:", first["this"][0]["parsers"], "/", first["base"][0]["parsers"])
    print(
        f"{'workload':38s} {'cold cpu ms (this/base = ratio, spread)':46s} warm cpu ms   cold wall ms"
    )
    for workload, by_side in results.items():

        def med(side: str, key: str, runs: dict[str, list[dict[str, Any]]] = by_side) -> float:
            return statistics.median(run[key] for run in runs[side])

        this_cold, base_cold = med("this", "cold_cpu"), med("base", "cold_cpu")
        spread = [run["cold_cpu"] for run in by_side["this"]]
        print(
            f"{workload:38s} {this_cold:8.1f} / {base_cold:8.1f} = {this_cold / base_cold:4.2f}"
            f" ({min(spread):.0f}-{max(spread):.0f})   "
            f"{med('this', 'warm_cpu'):7.1f} / {med('base', 'warm_cpu'):7.1f}   "
            f"{med('this', 'cold_wall'):7.1f} / {med('base', 'cold_wall'):7.1f}"
        )


if __name__ == "__main__":
    main()
