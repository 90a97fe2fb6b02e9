"""The database (and its -wal/-shm) and the .eml outbox are owner-only (#16, break 1).

Without `POLICYWATCH_WEB_SECRET` the database holds the session-signing key: a copy readable by
another local user let them forge an admin cookie.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from notifications.model import OutgoingEmail
from notifications.smtp import EmlTransport
from state.store import open_store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> object:
    old = os.umask(0o022)  # what a login shell or `make demo` runs with
    yield
    os.umask(old)


def test_a_new_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "policywatch.db"
    with open_store(path) as store:
        store.secret("web-session")  # a write: the -wal and -shm files exist now
        files = [path, tmp_path / "policywatch.db-wal", tmp_path / "policywatch.db-shm"]
        assert all(f.exists() for f in files)
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}


def test_an_older_world_readable_database_is_tightened_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "policywatch.db"
    with open_store(path) as store:
        store.secret("web-session")
        os.chmod(path, 0o644)  # as every version before #16 created it
        os.chmod(tmp_path / "policywatch.db-wal", 0o644)
    caplog.set_level(logging.WARNING, logger="state.base")
    with open_store(path):
        assert _mode(path) == 0o600
        assert _mode(tmp_path / "policywatch.db-wal") == 0o600
    assert "was readable by other users (mode 0644): now 0600" in caplog.text


def _config(folder: Path) -> Path:
    config = folder / "policywatch.toml"
    config.write_text('[database]\npath = "policywatch.db"\n', encoding="utf-8")
    return config


@pytest.mark.parametrize("command", [["serve"], ["run"], ["run", "--serve"]])
def test_serve_and_run_refuse_a_database_others_can_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    config = _config(tmp_path)
    path = tmp_path / "policywatch.db"
    open_store(path).close()
    os.chmod(path, 0o644)

    def not_the_owner(target: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")  # the file belongs to someone else

    monkeypatch.setattr(os, "chmod", not_the_owner)

    def started(*args: object, **kw: object) -> None:
        raise AssertionError("started on a database others can read")

    monkeypatch.setattr("monitor.web.server.build_server", started)
    monkeypatch.setattr("monitor.daemon.service.run_daemon", started)
    result = CliRunner().invoke(cli, ["--config", str(config), *command])
    assert result.exit_code == 2, result.output
    assert "readable by other users (mode 0644)" in result.output
    assert "POLICYWATCH_SECRET" in result.output
    assert ("POLICYWATCH_WEB_SECRET" in result.output) == (command != ["run"])


def test_secrets_from_the_environment_let_serve_start_on_a_shared_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.cli.context import AppContext

    path = tmp_path / "policywatch.db"
    open_store(path).close()
    os.chmod(path, 0o644)
    monkeypatch.setattr(os, "chmod", lambda target, mode: None)  # a file system ignoring modes
    app = AppContext(str(_config(tmp_path)))
    monkeypatch.setenv("POLICYWATCH_SECRET", "s" * 32)
    monkeypatch.setenv("POLICYWATCH_WEB_SECRET", "w" * 32)
    app.require_private_database(ui=True)  # no error: nothing secret is read from the file
    monkeypatch.delenv("POLICYWATCH_WEB_SECRET")
    app.require_private_database(ui=False)  # `run` signs unsubscribe links only
    with pytest.raises(Exception, match="POLICYWATCH_WEB_SECRET"):
        app.require_private_database(ui=True)


def test_the_eml_outbox_folder_and_files_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    transport = EmlTransport(folder)
    transport.open()
    transport.deliver(
        OutgoingEmail(
            message_id="<1@policywatch.test>",
            subject="测试",
            to="张三 <zhang@example.com>",
            recipients=("zhang@example.com",),
            raw=b"Subject: test\r\n\r\nbody\r\n",
        )
    )
    assert _mode(folder) == 0o700
    assert [(p.name, _mode(p)) for p in folder.iterdir()] == [("1@policywatch.test.eml", 0o600)]


def test_an_older_open_outbox_folder_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir(mode=0o755)
    EmlTransport(folder).open()
    assert _mode(folder) == 0o700
