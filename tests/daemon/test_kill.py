"""Crash safety: `kill -9` the daemon at random moments while it checks and sends, 30 times.

After a final clean run every expected version is stored exactly once (the database ends like
`check` over the same snapshots), every expected email reached the SMTP server (counted by
Message-ID: each expected one at least once, no other), every expected chat message reached its
钉钉 group (a loopback robot checking the 加签 signature; counted by group and change set), and
SQLite's integrity check passed after every kill. The seed is printed; set
POLICYWATCH_KILL_SEED to replay a failing sequence.

It is the suite's longest test and carries the `slow` marker: `pytest -m "not slow"` leaves it
out of a quick inner loop, `POLICYWATCH_KILL_RUNS=5` runs a short version of it, and
`make test` runs all 30 kills.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import socket
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from monitor.fetch.replay import ReplayServer
from parsers.records import Subscriber, Subscription
from state.store import open_store
from tests.conftest import SITE, SNAPSHOTS
from tests.daemon.conftest import DaemonProcess, db_dump, replay_config
from tests.daemon.test_acceptance import check_once, wait_all_checked_since
from tests.notifications.chat_servers import SECRET, Platforms, platforms

__all__ = ["platforms"]  # the fixture, imported for pytest

RUNS = max(int(os.environ.get("POLICYWATCH_KILL_RUNS", "30")), len(SNAPSHOTS))
SUBSCRIBERS = 20
GROUPS = 3  # client companies reading a 钉钉 group (and email) each
REPORT = re.compile(r"/report/r(\d+)\.")


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps the Message-ID of every accepted message."""

    ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.ids.append(str(message["Message-ID"]).strip())
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.ids)


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """aiosmtpd on 127.0.0.1 (a free port: aiosmtpd cannot bind port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def outbox(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT message_id, channel, state FROM outbox")
        return [(r[0], r[1], r[2]) for r in rows]
    finally:
        conn.close()


def chat_rows(db: Path) -> list[tuple[str, str, str, int]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT message_id, channel, state, change_set_id FROM outbox WHERE channel != 'email'"
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]
    finally:
        conn.close()


def add_subscribers(db: Path) -> None:
    store = open_store(db)
    try:
        now = dt.datetime.now(dt.UTC)
        for i in range(SUBSCRIBERS):
            who = Subscriber(name=f"客户{i}", email=f"client{i}@example.test")
            channels = ["email", f"group{i}"] if i < GROUPS else ["email"]
            store.add_subscriber(who, [Subscription()], now=now, channels=channels)
    finally:
        store.close()


def chat_tables(platforms: Platforms) -> str:
    """One [[channel]] per group: a 钉钉 robot each, on the loopback platform."""
    return "".join(
        f'\n[[channel]]\nname = "group{i}"\nkind = "dingtalk"\n'
        f'url = "{platforms.url("dingtalk", token=f"group{i}")}"\n'
        'secret_env = "PW_KILL_DINGTALK_SECRET"\n'
        for i in range(GROUPS)
    )


def kill_at_random(
    daemon: DaemonProcess, inbox: Inbox, rng: random.Random, *, running: bool
) -> str:
    """SIGKILL at a random moment: at start-up, mid-check, or after k more messages arrived."""
    moment = rng.choice(("startup", "working", "working", "sending", "sending"))
    if running:
        moment = moment if moment != "startup" else "working"
    elif moment != "startup":
        daemon.wait_event("started")
    deadline = time.monotonic() + rng.uniform(0.0, 0.8)
    target = inbox.count() + rng.randint(1, 12)
    while time.monotonic() < deadline:
        if moment == "sending" and inbox.count() >= target:
            break
        time.sleep(0.005)  # polling the SMTP server's count: the kill moment is the event
    daemon.kill()
    return moment


@pytest.mark.slow
def test_kill_9_thirty_times_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path,
    replay: ReplayServer,
    smtp: tuple[int, Inbox],
    spawn: Callable[..., DaemonProcess],
    platforms: Platforms,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, inbox = smtp
    monkeypatch.setenv("PW_KILL_DINGTALK_SECRET", SECRET)  # the daemons inherit it
    seed = int(os.environ.get("POLICYWATCH_KILL_SEED", random.randrange(2**32)))
    print(f"kill test seed: {seed}")
    rng = random.Random(seed)
    mail = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\n'
        'sender = "alerts@policywatch.test"\n\n[notifications]\nclaim_lease = "1s"\n'
        + chat_tables(platforms)
    )
    config = replay_config(tmp_path / "daemon", replay.url, auto_approve=True, extra=mail)
    reference = replay_config(tmp_path / "reference", replay.url, auto_approve=True)
    db = tmp_path / "daemon" / "policywatch.db"
    add_subscribers(db)
    moments: Counter[str] = Counter()
    for run in range(RUNS):
        phase = run * len(SNAPSHOTS) // RUNS
        last_of_phase = (run + 1) * len(SNAPSHOTS) // RUNS != phase
        if run == 0 or (run * len(SNAPSHOTS) // RUNS) != ((run - 1) * len(SNAPSHOTS) // RUNS):
            replay.switch(SITE / SNAPSHOTS[phase])
            check_once(reference)
            switched = dt.datetime.now(dt.UTC)
        daemon = spawn(config)
        if last_of_phase:
            # Make sure each snapshot was seen whole once before the site moves on.
            wait_all_checked_since(daemon, switched)
        moments[kill_at_random(daemon, inbox, rng, running=last_of_phase)] += 1
        assert integrity(db) == "ok", f"run {run}: {daemon.drain()[-2000:]}"
    final = spawn(config)
    final.wait_event("started")
    wait_all_checked_since(final, dt.datetime.now(dt.UTC))
    rows = outbox(db)
    deadline = time.monotonic() + 30
    while any(state != "sent" for _id, _ch, state in rows) and time.monotonic() < deadline:
        time.sleep(0.05)  # the claim lease (1 s) must pass before rows claimed by a kill resend
        rows = outbox(db)
    assert final.stop() == 0
    assert integrity(db) == "ok"
    produced, expected = db_dump(db), db_dump(tmp_path / "reference" / "policywatch.db")
    assert produced == expected  # every version once, no change set without its version
    assert len(expected["change_sets"]) >= 2  # the first sight is a baseline: final, correction
    assert all(state == "sent" for _id, _ch, state in rows), Counter(s for _i, _c, s in rows)
    assert len(rows) == len(expected["change_sets"]) * (SUBSCRIBERS + GROUPS)
    received = Counter(inbox.ids)
    emails = {message_id for message_id, channel, _state in rows if channel == "email"}
    assert set(received) == emails  # none lost, none extra
    posted = Counter((p.token, int(REPORT.findall(p.text)[0])) for p in platforms.of("dingtalk"))
    chats = {(channel, cs) for _id, channel, _state, cs in chat_rows(db)}
    assert set(posted) == chats  # every group got every change set, no other
    assert all(p.signed for p in platforms.of("dingtalk"))
    # SMTP has no two-phase commit: a kill after the server's 250 and before the row's confirm
    # commits sends that row again after the claim lease, with the SAME Message-ID (receivers
    # deduplicate on it). Each kill can cause at most one such repeat.
    repeats = sum(n - 1 for n in received.values()) + sum(n - 1 for n in posted.values())
    print(
        f"kill moments: {dict(moments)}; messages: {len(rows)} ({len(chats)} chat);"
        f" repeated deliveries (email: same Message-ID; chat: same group and change set):"
        f" {repeats}"
    )
    assert repeats <= RUNS
