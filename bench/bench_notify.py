"""Render and deliver 10,000 immediate emails (the draft -> final A change set, 17 changes).

Run by hand: `.venv/bin/python bench/bench_notify.py [N]`. Prints emails per second rendered
(templates + MIME bytes, target 1,000/s), delivered over reused SMTP connections (100 per
connection) to an aiosmtpd server on loopback in a child process, and the peak RSS.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import resource
import socket
import sys
import time
from collections.abc import Iterator
from email.headerregistry import Address
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from notifications.message import build_message, mailbox
from notifications.model import ChangeSetContext, OutgoingEmail
from notifications.render import EmailView, change_set_subject, policy_view, render_email
from notifications.smtp import SMTPSettings, SMTPTransport
from parsers import parse_path
from parsers.diff import diff_documents
from parsers.records import ChangeSetKind, ChangeSetRecord, ChangeSetState, StoredChange

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "texts"
NOW = dt.datetime(2022, 12, 30, 2, 0, tzinfo=dt.UTC)
BATCH = 100


class Counter:
    """An SMTP handler that only counts."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def context() -> ChangeSetContext:
    """The real draft -> final A change set, in memory."""
    old, new = parse_path(FIXTURES / "seed-article.txt"), parse_path(FIXTURES / "zjtx-final-a.txt")
    diff = diff_documents(old, new)
    changes = tuple(StoredChange(id=i, position=i, change=c) for i, c in enumerate(diff.changes))
    record = ChangeSetRecord(
        id=1,
        document_id=1,
        document_title=new.title or "",
        from_version_id=1,
        to_version_id=2,
        source_id=None,
        kind=ChangeSetKind.CHANGED,
        state=ChangeSetState.APPROVED,
        detected_at=NOW,
        diff=diff,
        changes=changes,
    )
    return ChangeSetContext(change_set=record, old=old, new=new, url="https://gxj.sz.gov.cn/p.html")


def render_all(ctx: ChangeSetContext, n: int) -> Iterator[OutgoingEmail]:
    """n emails, one per subscriber (each its own name, address, token and Message-ID)."""
    changes = ctx.change_set.visible_changes
    policy = policy_view(ctx, changes)
    subject = change_set_subject(ctx, changes)
    sender = Address(display_name="policywatch", addr_spec="pw@bench.test")
    for i in range(n):
        url = f"https://pw.bench.test/unsubscribe/{i}.1700000000.sig"
        view = EmailView(
            name=f"用户{i}", heading="有变化", policies=(policy,), unsubscribe_url=url, digest=False
        )
        yield build_message(
            render_email(subject, view),
            sender=sender,
            to=mailbox(f"用户{i}", f"user{i}@client.test"),
            message_id=f"<pw.{i}@bench.test>",
            date=NOW,
            unsubscribe_url=url,
        )


def templates_only(ctx: ChangeSetContext, n: int) -> None:
    """The Jinja part alone: text and HTML bodies for n subscribers."""
    changes = ctx.change_set.visible_changes
    policy = policy_view(ctx, changes)
    subject = change_set_subject(ctx, changes)
    for i in range(n):
        url = f"https://pw.bench.test/unsubscribe/{i}.1700000000.sig"
        view = EmailView(
            name=f"用户{i}", heading="有变化", policies=(policy,), unsubscribe_url=url, digest=False
        )
        render_email(subject, view)


def deliver_all(messages: Iterator[OutgoingEmail], port: int) -> None:
    """Render and deliver, streaming, over one connection per BATCH messages."""
    transport = SMTPTransport(SMTPSettings(host="127.0.0.1", port=port, starttls=False))
    while True:
        with transport:
            sent = 0
            for msg in itertools.islice(messages, BATCH):
                transport.deliver(msg)
                sent += 1
        if sent < BATCH:
            return


def serve(port: int, ready: Event, stop: Event, counts: Connection) -> None:
    """The aiosmtpd server, in its own process (it would otherwise share the sender's GIL)."""
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    counts.send(handler.count)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (aiosmtpd cannot bind port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed_delivery(ctx: ChangeSetContext, n: int) -> tuple[float, float]:
    """Wall and sender CPU seconds to render and deliver n emails to a loopback server in a
    child process."""
    port = free_port()
    mp = multiprocessing.get_context("fork")
    ready, stop = mp.Event(), mp.Event()
    receive, send = mp.Pipe(duplex=False)
    server = mp.Process(target=serve, args=(port, ready, stop, send))
    server.start()
    try:
        ready.wait(30)
        started, cpu = time.perf_counter(), time.process_time()
        deliver_all(render_all(ctx, n), port)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        stop.set()
    count = receive.recv()
    server.join()
    assert count == n, count
    return elapsed, cpu


def main() -> None:
    """Print the numbers."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    ctx = context()
    started = time.perf_counter()
    templates_only(ctx, n)
    took = time.perf_counter() - started
    print(f"templates {n} emails in {took:.2f}s: {n / took:,.0f} emails/s (Jinja only)")
    started = time.perf_counter()
    size = sum(len(m.raw) for m in render_all(ctx, n)) / n
    took = time.perf_counter() - started
    print(
        f"rendered  {n} emails in {took:.2f}s: {n / took:,.0f} emails/s "
        f"(Jinja + MIME bytes, {size / 1024:.1f} KiB each; target 1,000/s)"
    )
    took, cpu = timed_delivery(ctx, n)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"delivered {n} emails in {took:.2f}s: {n / took:,.0f} emails/s "
        f"(rendered + sent, {BATCH}/connection, aiosmtpd in another process)"
    )
    print(f"CPU during delivery: sender {cpu:.2f}s, server {usage.ru_utime + usage.ru_stime:.2f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB sender (messages streamed), {server:.0f} MiB server")


if __name__ == "__main__":
    main()
