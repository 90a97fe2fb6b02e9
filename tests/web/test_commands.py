"""`policywatch users add|list|disable` and `policywatch serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.web.auth import verify_password
from state.store import open_store


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised config and database in the test's folder."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    return tmp_path


def test_users_add_reads_the_password_from_stdin(workdir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["users", "add", "alice", "--role", "admin"], input="long-enough-pw\n"
    )
    assert result.exit_code == 0, result.output
    store = open_store(workdir / "policywatch.db")
    try:
        user = store.find_user("alice")
    finally:
        store.close()
    assert user is not None and user.role.value == "admin"
    assert verify_password(user.password_hash, "long-enough-pw")
    again = runner.invoke(cli, ["users", "add", "alice"], input="long-enough-pw\n")
    assert again.exit_code == 2 and "exists" in again.output
    short = runner.invoke(cli, ["users", "add", "bob"], input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.output
    listed = runner.invoke(cli, ["users", "list"])
    assert "alice\tadmin\tactive" in listed.output
    assert runner.invoke(cli, ["users", "disable", "alice"]).exit_code == 0
    assert "alice\tadmin\tdisabled" in runner.invoke(cli, ["users", "list"]).output


def test_users_add_prompts_twice_on_a_terminal(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("monitor.cli.web._interactive", lambda: True)
    runner = CliRunner()
    mismatch = runner.invoke(
        cli, ["users", "add", "carol"], input="first-password\nsecond-password\n"
    )
    assert mismatch.exit_code != 0
    result = runner.invoke(cli, ["users", "add", "carol"], input="same-password\nsame-password\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") >= 1 and "Added reviewer carol" in result.output


def test_serve_prints_the_feed_url_and_serves_the_login_page(workdir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "POLICYWATCH_WEB_SECRET": "test-secret", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", "from monitor.cli import main; main()", "serve"]
    with subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            token = _check_serving(proc, port)
            httpx.get(f"http://127.0.0.1:{port}/unsubscribe/7.1999999999.c2VjcmV0LXNpZ25hdHVyZQ")
            httpx.get(f"http://127.0.0.1:{port}/report/r3.1999999999.c2VjcmV0LXNpZ25hdHVyZQ")
        finally:
            proc.terminate()
        assert proc.stdout is not None
        log = proc.stdout.read()  # uvicorn writes its access log to stdout
    # #16, break 13: the access log shows the requests, never the tokens in their paths
    assert '"GET /feed/[redacted] HTTP/1.1" 200' in log
    assert '"GET /unsubscribe/[redacted] HTTP/1.1" 400' in log
    assert '"GET /report/[redacted] HTTP/1.1" 404' in log
    assert token not in log and "c2VjcmV0LXNpZ25hdHVyZQ" not in log


def _check_serving(proc: subprocess.Popen[str], port: int) -> str:
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(f"Review UI on http://127.0.0.1:{port}/")
    feed_line = proc.stdout.readline()
    assert "/feed/" in feed_line
    for line in proc.stderr:  # wait until uvicorn listens
        if "Uvicorn running" in line:
            break
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        login = http.get("/login")
        assert login.status_code == 200
        assert "server" not in login.headers  # as under `run --serve`
        assert http.get("/", follow_redirects=False).status_code == 303
        token = feed_line.rsplit("/feed/", 1)[1].strip()
        assert http.get(f"/feed/{token}").status_code == 200
    return token
