"""The differ on every pair of consecutive dated versions in a LawRefBook/Laws checkout.

    .venv/bin/python bench/sweep_lawref.py /path/to/LawRefBook/Laws [--seeds 0 4] [--json OUT]

LawRefBook/Laws (github.com/LawRefBook/Laws) keeps Chinese laws and regulations as markdown, a
version per file (`名称(YYYY-MM-DD).md`; an undated file beside dated ones is taken as the oldest,
as the local regulations' are: the text as first passed). Every law with
two versions or more gives its consecutive pairs; each is parsed and diffed in process, once per
hash seed (a fresh process each, `PYTHONHASHSEED` set). Checked, with no gold: no parse or diff
error; every passage an edit or summary quotes is found, contiguous, in the clause it names; the
same changes under every seed. Printed: pairs, errors, quotation problems, the slowest diffs (CPU
milliseconds, in process) and a digest of all changes per seed. Run by hand; it reads the
checkout's files with git when it is a git directory (as `fetch` brings it), else from disk.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

_VERSION = re.compile(r"^(.*?)(?:\((\d{4}-\d{2}-\d{2})\))?\.md$")
_QUOTE = re.compile(r"“([^”]*)”")


def markdown_to_text(md: str) -> str:
    """LawRefBook markdown as the plain text the real pairs use: `## 第一章` -> `第一章`, the
    `<!-- INFO END -->` marker dropped (as `../shared/fixtures/real-pairs/gold-build/md2txt.py`)."""
    out = []
    for line in md.split("\n"):
        if line.strip() == "<!-- INFO END -->":
            continue
        heading = re.match(r"^#+\s+(.*)$", line)
        out.append(heading.group(1) if heading else line)
    return "\n".join(out)


def version_pairs(repo: Path) -> list[tuple[str, str, str]]:
    """(name, older file, newer file) for every two consecutive versions of a law."""
    if (repo / "HEAD").exists() and not (repo / ".git").exists():  # a bare git directory
        listing = subprocess.run(
            ["git", "--git-dir", str(repo), "ls-tree", "-r", "--name-only", "-z", "HEAD"],
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [n for n in listing.split("\0") if n.endswith(".md")]
    else:
        names = [str(p.relative_to(repo)) for p in repo.rglob("*.md")]
    laws: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in names:
        match = _VERSION.match(name)
        if match:
            laws[match.group(1)].append((match.group(2) or "0000-00-00", name))
    pairs = []
    for law, versions in sorted(laws.items()):
        versions.sort()
        for (_, older), (_, newer) in zip(versions, versions[1:], strict=False):
            pairs.append((law.rsplit("/", 1)[-1], older, newer))
    return pairs


def read(repo: Path, name: str) -> str:
    if (repo / "HEAD").exists() and not (repo / ".git").exists():
        blob = subprocess.run(
            ["git", "--git-dir", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=True
        ).stdout
        return blob.decode("utf-8")
    return (repo / name).read_text(encoding="utf-8")


def quotation_problems(change: dict[str, Any]) -> list[str]:
    """Passages an edit or the summary quotes that are not in the clause they name."""
    old, new = change.get("old_text") or "", change.get("new_text") or ""
    problems = []
    for edit in change.get("edits") or []:
        for key, text in (("old", old), ("new", new), ("after", old)):
            if edit[key] and edit[key] not in text:
                problems.append(f"{key} {edit[key][:30]!r}")
    for quoted in _QUOTE.findall(change["summary"]):
        passage = quoted.rstrip("…").replace("‘", "“").replace("’", "”")  # nested quotations
        if passage and passage not in old and passage not in new and not passage.startswith("第"):
            problems.append(f"quoted {passage[:30]!r}")
    return problems


def sweep(repo: Path) -> dict[str, Any]:
    """Every pair once in this process: errors, quotation problems, CPU per diff, a digest."""
    from parsers import parse_text
    from parsers.diff import diff_documents
    from parsers.model import change_to_json

    digest = hashlib.sha1()
    rows = []
    for name, older, newer in version_pairs(repo):
        row: dict[str, Any] = {"law": name, "old": older, "new": newer}
        try:
            before = parse_text(markdown_to_text(read(repo, older)))
            after = parse_text(markdown_to_text(read(repo, newer)))
            started = time.process_time()
            diff = diff_documents(before, after)
            row["ms"] = round(1000 * (time.process_time() - started), 1)
        except Exception as exc:  # what the sweep is for: report it, go on
            row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
            continue
        changes = [change_to_json(c) for c in diff.changes]
        digest.update(json.dumps(changes, ensure_ascii=False, sort_keys=True).encode())
        row["changes"] = len(changes)
        row["problems"] = [p for c in changes for p in quotation_problems(c)]
        rows.append(row)
    return {"digest": digest.hexdigest()[:16], "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="a LawRefBook/Laws checkout or git directory")
    parser.add_argument("--seeds", nargs="+", default=["0", "4"], help="PYTHONHASHSEED values")
    parser.add_argument("--json", type=Path, help="write the first seed's rows here")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a seed's process
    args = parser.parse_args()
    if args.one:
        json.dump(sweep(args.repo), sys.stdout, ensure_ascii=False)
        return 0
    results = []
    for seed in args.seeds:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, __file__, str(args.repo), "--one"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout))
    rows = results[0]["rows"]
    errors = [r for r in rows if "error" in r]
    problems = [r for r in rows if r.get("problems")]
    timed = sorted((r for r in rows if "ms" in r), key=lambda r: -r["ms"])
    print(
        f"{len(rows)} version pairs: {len(errors)} errors, {len(problems)} with quotation problems"
    )
    for row in errors:
        print(f"  error: {row['law']} {row['old']} -> {row['new']}: {row['error']}")
    for row in problems:
        print(f"  quotation: {row['law']}: {row['problems'][:3]}")
    print(
        "slowest diffs (CPU ms, in process): "
        + ", ".join(f"{r['law']} {r['ms']}" for r in timed[:5])
    )
    print(f"all diffs: {sum(r['ms'] for r in timed):.0f} ms")
    digests = {seed: r["digest"] for seed, r in zip(args.seeds, results, strict=True)}
    same = len(set(digests.values())) == 1
    print(f"changes digest per PYTHONHASHSEED: {digests} ({'the same' if same else 'DIFFER'})")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if not errors and not problems and same else 1


if __name__ == "__main__":
    sys.exit(main())
