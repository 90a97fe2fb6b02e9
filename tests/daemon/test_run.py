"""`policywatch run` as a subprocess: one daemon per database, readers unaffected, clean SIGTERM."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from pathlib import Path

import httpx

from state.store import open_store
from tests.daemon.conftest import DaemonProcess, policywatch, write_config


def test_second_run_on_the_same_database_exits_2_naming_the_first(
    tmp_path: Path, spawn: Callable[..., DaemonProcess]
) -> None:
    config = write_config(tmp_path)
    first = spawn(config)
    first.wait_event("started")
    second = policywatch(config, "run", timeout=20)
    assert second.returncode == 2
    assert f"pid {first.pid} on " in second.stderr
    assert "another policywatch daemon" in second.stderr
    assert first.proc.poll() is None  # the first one is untouched
    assert first.stop() == 0


def test_readers_work_while_the_daemon_runs_and_sigterm_exits_0(
    tmp_path: Path, spawn: Callable[..., DaemonProcess]
) -> None:
    config = write_config(tmp_path)
    daemon = spawn(config)
    daemon.wait_event("started")
    status = policywatch(config, "status", "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    assert f'"pid": {daemon.pid}' in status.stdout
    assert policywatch(config, "db", "check").stdout.strip() == "ok"
    assert policywatch(config, "db", "vacuum").returncode == 0
    assert daemon.stop() == 0
    store = open_store(tmp_path / "policywatch.db", migrate=False)
    try:
        assert store.daemon_lock() is None  # released on the way out
    finally:
        store.close()
    assert policywatch(config, "status").returncode == 1


def test_sigint_also_stops_it_cleanly(tmp_path: Path, spawn: Callable[..., DaemonProcess]) -> None:
    config = write_config(tmp_path)
    daemon = spawn(config)
    daemon.wait_event("started")
    daemon.proc.send_signal(signal.SIGINT)
    assert daemon.proc.wait(timeout=15) == 0
    assert '"stopped"' in daemon.drain()


def test_a_daemon_killed_with_sigkill_is_replaced_at_once(
    tmp_path: Path, spawn: Callable[..., DaemonProcess]
) -> None:
    config = write_config(tmp_path, daemon={"heartbeat": "1h"})
    first = spawn(config)
    first.wait_event("started")
    first.kill()  # the lock row stays behind with a fresh heartbeat
    second = spawn(config)
    taken = second.wait_for(lambda r: "took over the lock" in r["message"])
    assert f"pid {first.pid}" in taken["message"]
    second.wait_event("started")
    assert second.stop() == 0


def test_run_serve_answers_the_review_ui_beside_the_scheduler(
    tmp_path: Path, spawn: Callable[..., DaemonProcess]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = write_config(tmp_path, extra=f'[web]\nhost = "127.0.0.1"\nport = {port}\n')
    daemon = spawn(config, "--serve")
    daemon.wait_event("started")
    daemon.wait_for(lambda r: "Uvicorn running" in r["message"])
    response = httpx.get(f"http://127.0.0.1:{port}/login")
    assert response.status_code == 200
    assert "server" not in response.headers  # the same server as `serve` (web/server.py)
    assert response.headers["x-frame-options"] == "DENY"
    secret = "c2VjcmV0LXNpZ25hdHVyZQ"
    assert httpx.get(f"http://127.0.0.1:{port}/feed/{secret}").status_code == 404
    assert httpx.get(f"http://127.0.0.1:{port}/unsubscribe/1.2.{secret}").status_code == 400
    assert policywatch(config, "status").returncode == 0
    assert daemon.stop() == 0
    log = daemon.drain()  # #16, break 13: access log lines without the tokens
    assert "GET /feed/[redacted] HTTP/1.1" in log and "GET /unsubscribe/[redacted]" in log
    assert secret not in log
