"""The README documents every command, every config key and every source kind (sqlite-utils'
test_docs.py habit): a command or key added without documentation fails here."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from monitor.cli import cli
from monitor.config import config_keys
from monitor.sources import Source

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _command_paths() -> list[str]:
    ctx = click.Context(cli)
    out: list[str] = []

    def visit(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            path = f"{prefix} {name}".strip()
            if isinstance(command, click.Group):
                visit(command, path)
            else:
                out.append(path)

    visit(cli, "")
    return out


@pytest.mark.parametrize("path", _command_paths())
def test_every_command_is_in_the_readme(path: str) -> None:
    assert f"`policywatch {path}" in README, f"README's CLI reference lacks `policywatch {path}`"


def _section(table: str) -> str:
    header = "\n" + (f"`[[{table}]]`" if table in ("source", "channel") else f"`[{table}]`")
    start = README.index(header)
    end = README.find("\n`[", start + len(header))
    return README[start : end if end != -1 else None]


@pytest.mark.parametrize(
    ("table", "key"), [(t, k) for t, keys in config_keys().items() for k in keys]
)
def test_every_config_key_is_in_the_readme(table: str, key: str) -> None:
    assert re.search(rf"^\| `{key}` \|", _section(table), re.M), f"[{table}] {key} undocumented"


@pytest.mark.parametrize("kind", sorted(Source.registry))
def test_every_source_kind_is_documented(kind: str) -> None:
    assert f"| `{kind}` |" in README
    assert (Source.registry[kind].__doc__ or "").strip()


def test_readme_screenshots_exist() -> None:
    root = Path(__file__).resolve().parents[1]
    for image in re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", README):
        assert (root / image).is_file(), image
