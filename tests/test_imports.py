"""No import inside a function body exists only to hide an import cycle (issue 13).

A function-level import of one of our own modules is fine when it keeps something heavy out of
a process that does not need it: lxml, python-docx and pypdf stay out of the check pipeline's
main process (`tests/parsers/test_api.py`), the differ loads on the first diff, the review UI
only with `run --serve`. It hides a cycle when the imported module, through its own
module-level imports, leads back to the importing module: then the two depend on each other
and the late import only papers over it. This test finds those.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("monitor", "parsers", "notifications", "state")
# Cycles that another issue removes; delete the entry when it lands.
KNOWN: set[tuple[str, str]] = set()  # none left


def _modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every import statement with whether it runs inside a function body."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _imports(node, in_function=True)
        elif isinstance(node, ast.If) and _is_type_checking(node) and not in_function:
            continue  # annotations only: never executed
        else:
            yield from _imports(node, in_function=in_function)


def _targets(node: ast.AST, modules: dict[str, Path]) -> set[str]:
    """The project modules an import statement loads (parent packages included)."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        names = [node.module]
        names += [
            f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules
        ]
    out: set[str] = set()
    for name in names:
        parts = name.split(".")
        out.update(
            p for p in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if p in modules
        )
    return out


def hidden_cycles(root: Path, packages: tuple[str, ...]) -> set[tuple[str, str]]:
    """(module, imported) pairs where a function-level import closes a module-level cycle."""
    modules = _modules(root, packages)
    top: dict[str, set[str]] = {name: set() for name in modules}
    late: list[tuple[str, str]] = []
    for name, path in modules.items():
        parent = name.rsplit(".", 1)[0] if "." in name else None
        if parent in modules:
            top[name].add(parent)  # importing a module runs its package first
        for node, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node, modules) - {name}:
                if in_function:
                    late.append((name, target))
                else:
                    top[name].add(target)

    def reaches(start: str, goal: str) -> bool:
        seen, stack = {start}, [start]
        while stack:
            for nxt in top[stack.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    # A package that loads its own submodule late (`parsers.__getattr__`) is no cycle: the
    # submodule's way back to it is only the package it lives in, which is already loading.
    return {(m, t) for m, t in late if not t.startswith(m + ".") and reaches(t, m)}


def test_no_function_level_import_hides_a_cycle() -> None:
    assert hidden_cycles(ROOT, PACKAGES) <= KNOWN


def test_the_check_finds_a_hidden_cycle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import helper\n")
    (package / "b.py").write_text(
        "def helper() -> None:\n    from pkg import a  # the cycle, hidden\n\n"
        "def fine() -> None:\n    import pkg.c\n"
    )
    (package / "c.py").write_text("import json\n")
    assert hidden_cycles(tmp_path, ("pkg",)) == {("pkg.b", "pkg.a")}


def _loaded(imports: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter holds after `import {imports}`."""
    code = (
        f"import sys\nimport {imports}\nprint(sorted(m for m in {modules!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(ast.literal_eval(out.stdout.strip()))


def test_a_check_process_loads_no_email_renderer() -> None:
    """`policywatch check` starts without Jinja and the email modules (#18: about 0.15 s of
    every start-up); the config loads them only to validate a mailbox. Nor does it load what
    only its reading workers use: the summaries, diff-match-patch, the feedback finder."""
    imports = "monitor.cli.context, monitor.cli.check, monitor.check.cycle, monitor.check.reader"
    modules = (
        "jinja2",
        "notifications.message",
        "notifications.render",
        "parsers.summary",
        "diff_match_patch",
        "parsers.feedback",
        "lxml",
    )
    assert _loaded(imports, modules) == []


def test_the_daemon_starts_without_the_chat_http_client() -> None:
    """httpx imports its command line (rich, pygments: 0.2 s); the chat bots import it when a
    run opens one, not when the daemon, the review UI or `send` loads the sending code."""
    imports = "monitor.daemon.service, monitor.review.sending, notifications.chat.bots"
    assert _loaded(imports, ("httpx", "rich", "pygments")) == []
