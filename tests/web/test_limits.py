"""What one client may cost the review UI (#16): login attempts (break 6), request bodies
(break 7), and the sessions logout and `users disable` end (break 8)."""

from __future__ import annotations

import asyncio
import select
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from monitor.config import Config
from monitor.web.app import create_app
from monitor.web.limits import LoginThrottle
from parsers.records import ChangeSetState
from state.store import Store, open_store
from tests.web.conftest import NOW, PASSWORDS, Seeded, csrf_of, login


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttled(seeded: Seeded, db_path: Path, clock: Clock) -> Iterator[TestClient]:
    """An anonymous client of an app whose login throttle runs on `clock`."""
    app = create_app(
        _config(),
        lambda: open_store(db_path, migrate=False),
        clock=lambda: NOW,
        login_throttle=LoginThrottle(clock=clock),
    )
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _config() -> Config:
    return Config()


def _login(client: TestClient, name: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    data = {"csrf": token, "name": name, "password": password, "next": "/"}
    return client.post("/login", data=data, follow_redirects=False).status_code


def _logged_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def test_the_41st_login_attempt_is_refused_even_with_the_right_password(
    throttled: TestClient, clock: Clock, store: Store
) -> None:
    statuses = [_login(throttled, "alice", f"guess-{i}") for i in range(40)]
    assert statuses[:5] == [400] * 5  # five free tries, checked
    assert set(statuses[5:]) == {429}  # then refused without looking at the password
    assert _login(throttled, "alice", PASSWORDS["alice"]) == 429  # the 41st
    assert not _logged_in(throttled)
    clock.now += 1.5  # the first lockout is 1 s
    assert _login(throttled, "alice", "guess-41") == 400  # checked again, and wrong
    assert _login(throttled, "alice", PASSWORDS["alice"]) == 429  # 2 s now
    clock.now += 2.5
    assert _login(throttled, "alice", PASSWORDS["alice"]) == 303
    assert _logged_in(throttled)
    locks = [r for r in store.reviews(limit=50) if r.action == "login_locked"]
    assert len(locks) == 2 and all("账户 alice" in (r.detail or "") for r in locks)


def test_lockouts_are_shown_to_admins_in_the_audit_trail(
    throttled: TestClient, clock: Clock
) -> None:
    for i in range(6):
        _login(throttled, "bob", f"guess-{i}")
        clock.now += 100  # each try after the previous lockout: all checked
    clock.now += 1000
    assert _login(throttled, "alice", PASSWORDS["alice"]) == 303
    page = throttled.get("/audit").text
    assert "登录锁定" in page and "账户 bob：连续 6 次登录失败" in page


def test_one_address_guessing_many_accounts_is_throttled_too(
    seeded: Seeded, db_path: Path, clock: Clock
) -> None:
    throttle = LoginThrottle(clock=clock, address_free=4)  # 20 by default: 4 keeps it quick
    app = create_app(_config(), lambda: open_store(db_path, migrate=False), login_throttle=throttle)
    with TestClient(app, base_url="http://testserver") as client:
        for i in range(4):
            assert _login(client, f"user{i}", "guess") == 400  # four accounts, one try each
        assert _login(client, "alice", PASSWORDS["alice"]) == 429  # this address must wait
        clock.now += 2
        assert _login(client, "alice", PASSWORDS["alice"]) == 303
    assert LoginThrottle().free == {"account": 5, "address": 20}


def test_password_hashing_runs_on_a_bounded_pool(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 concurrent logins took the server to 2 GB (argon2, 64 MiB each, one per thread)."""
    import monitor.web.auth as auth

    real = auth._hasher
    lock = threading.Lock()
    running, peak = [0], [0]

    class Counting:
        def verify(self, hashed: str, password: str) -> bool:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                time.sleep(0.05)
                return bool(real.verify(hashed, password))
            finally:
                with lock:
                    running[0] -= 1

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(auth, "_hasher", Counting())
    token = csrf_of(client.get("/login").text)

    def attempt(i: int) -> int:
        data = {"csrf": token, "name": f"user{i}", "password": "guess"}
        return client.post("/login", data=data).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(attempt, range(6)))
    assert peak[0] <= 2, peak
    assert set(statuses) <= {400, 503}


def test_every_post_has_the_body_limit_unsubscribe_included(client: TestClient) -> None:
    """A 1,200 MiB POST to the one-click unsubscribe took the server to 1.24 GB."""
    big = b"x" * (2 * 1024 * 1024)
    assert client.post("/unsubscribe/1.2.abc", content=big).status_code == 413
    assert client.post("/login", content=big).status_code == 413

    def chunked() -> Iterator[bytes]:  # no Content-Length
        yield from (b"y" * 65536 for _ in range(40))

    assert client.post("/unsubscribe/1.2.abc", content=chunked()).status_code == 413


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(
    seeded: Seeded, db_path: Path
) -> None:
    """On a real server: the answer comes after about a megabyte, the rest is never read."""
    from monitor.web.server import build_server

    app = create_app(_config(), lambda: open_store(db_path, migrate=False), clock=lambda: NOW)
    server = build_server(app, _config(), host="127.0.0.1", port=0, embedded=True)
    thread = threading.Thread(target=asyncio.run, args=(server.serve(),), daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        sent, answer = _stream_until_answered(port, "/unsubscribe/1.2.abc")
    finally:
        server.should_exit = True
        thread.join(5)
    assert answer.startswith(b"HTTP/1.1 413")
    assert sent < 16 * 1024 * 1024  # of the 64 MiB it was ready to send (socket buffers hold some)


def _stream_until_answered(port: int, path: str) -> tuple[int, bytes]:
    chunk = b"10000\r\n" + b"y" * 65536 + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: testserver\r\n".encode()
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(1024):
            readable, _w, _x = select.select([conn], [], [], 0)
            if readable:
                break
            try:
                conn.sendall(chunk)
            except OSError:
                break  # the server closed the connection
            sent += 65536
        conn.settimeout(10)
        return sent, conn.recv(200)


def test_logout_ends_every_earlier_cookie(client: TestClient, seeded: Seeded, store: Store) -> None:
    token = login(client, "alice")
    stolen = dict(client.cookies)  # a copy taken before logout (another tab, a thief)
    assert client.post("/logout", data={"csrf": token}).status_code == 200
    client.cookies.clear()
    client.cookies.update(stolen)
    response = client.post(
        f"/change-sets/{seeded.change_set_id}/approve",
        data={"csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert store.get_change_set(seeded.change_set_id).state is ChangeSetState.PENDING
    assert not _logged_in(client)


def test_users_disable_ends_the_sessions_for_good(
    client: TestClient, store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "bob")
    config = db_path.parent / "policywatch.toml"
    config.write_text(f'[database]\npath = "{db_path}"\n', encoding="utf-8")
    from monitor.cli import cli

    result = CliRunner().invoke(cli, ["--config", str(config), "users", "disable", "bob"])
    assert result.exit_code == 0, result.output
    bob = store.find_user("bob")
    assert bob is not None and bob.id is not None
    store.set_user_active(bob.id, active=True)  # enabled again: the old cookie stays dead
    assert not _logged_in(client)
