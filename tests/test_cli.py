"""The CLI: every command has help, `init` and `db migrate` work in an empty folder."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import COMMANDS, cli
from state.schema import MIGRATIONS


def _all_commands() -> list[tuple[str, ...]]:
    ctx = click.Context(cli)
    out: list[tuple[str, ...]] = []

    def visit(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            out.append((*prefix, name))
            if isinstance(command, click.Group):
                visit(command, (*prefix, name))

    visit(cli, ())
    return out


def test_registry_modules_import() -> None:
    assert set(COMMANDS) <= {c[0] for c in _all_commands()}


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    command: click.Command = cli
    ctx = click.Context(cli)
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(ctx, name)
        assert found is not None
        command = found
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "policywatch" in result.output


def test_init_and_migrate_in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "policywatch.toml").exists() and (tmp_path / "policywatch.db").exists()
    result = runner.invoke(cli, ["db", "migrate"])
    assert result.exit_code == 0 and "up to date" in result.output
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 2 and "exists" in result.output
    result = runner.invoke(cli, ["init", "--preset", "gxj-sz", "--force"])
    assert result.exit_code == 0
    result = runner.invoke(cli, ["sources", "list", "--json"])
    assert '"gxj-postmeta"' in result.output


def test_db_migrate_without_config_creates_default_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["db", "migrate"])
    applied = f"Applied {len(MIGRATIONS)} migration(s): {', '.join(MIGRATIONS)}"
    assert result.exit_code == 0 and applied in result.output
    assert (tmp_path / "policywatch.db").exists()
    result = CliRunner().invoke(cli, ["db", "check"])
    assert result.exit_code == 2  # no config file: a usage error, not a traceback
