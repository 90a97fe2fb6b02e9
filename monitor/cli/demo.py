"""`policywatch demo`: the whole story on the bundled replica of gxj.sz.gov.cn, narrated.

Writes a config into a folder, serves the three recorded snapshots on loopback one after the
other and checks each with its own day as "now" (10:30 Beijing time): the snapshots are from
2022, and the baseline window (`[[source]] baseline_recent`), the comment deadline and its
reminder are judged as they were that day, so the draft is news and the 2020 policy already on
a list is history, as a real first day would have it. The demo approves the draft's change set
and sends its emails, sends the comment-deadline reminders three days before the deadline,
leaves the draft -> final change set (17 clause changes) pending for the newcomer to review in
the UI, approves the later correction, and prints where everything is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from monitor.check.cycle import CycleReport, run_check
from monitor.config import Config, load_config
from monitor.fetch.replay import ReplayServer, bundled_site, serve_in_thread
from monitor.local_time import SHANGHAI
from monitor.review.actions import approve_change_set
from monitor.review.reminders import reminder_time
from monitor.review.sending import SendReport, send_due
from monitor.web.auth import hash_password
from parsers.records import (
    Cadence,
    ChangeSetKind,
    ChangeSetRecord,
    ChangeSetState,
    Role,
    Subscriber,
    Subscription,
)
from state.store import Store, open_store

SNAPSHOTS = (
    ("2022-06-20", "the consultation notice for the draft (征求意见稿) is published"),
    ("2022-12-30", "the final version is published on four channels"),
    ("2023-03-01", "the final's page is corrected in place (and visit counters moved)"),
)
SUBSCRIBERS = (
    ("张经理", "zhang@example.com", "示例精密制造有限公司", ("企业融资",), Cadence.IMMEDIATE),
    ("李总", "li@example.com", "示例智能科技有限公司", (), Cadence.IMMEDIATE),
    ("王主任", "wang@example.com", "示例咨询有限公司", (), Cadence.DAILY),
)
DEMO_ACTOR = "policywatch demo"
DEMO_KEYWORD = "专精特新"  # also finds a second real policy on the replica (the 2020 遴选办法)

CONFIG_TEMPLATE = """\
# Written by `policywatch demo`: the bundled replica of gxj.sz.gov.cn on loopback.
[database]
path = "policywatch.db"

[fetch]
allow_hosts = ["*.gov.cn", "127.0.0.1"]
timeout = 5.0
retries = 1
backoff = 0.05

[outbox]
dir = "outbox"

[notifications]
base_url = "http://127.0.0.1:8000"

[[source]]
name = "gxj-tzgg"
kind = "html-list"
url = "{base}/xxgk/xxgkml/qt/tzgg/index.html"
keywords = ["{keyword}"]

[[source]]
name = "gxj-gygh"
kind = "html-list"
url = "{base}/xxgk/xxgkml/zcfgjzcjd/gygh/index.html"
keywords = ["{keyword}"]

[[source]]
name = "gxj-postmeta"
kind = "postmeta"
url = "{base}/postmeta/i/61057.json"
keywords = ["{keyword}"]

[[source]]
name = "gxj-gkmlpt"
kind = "gkmlpt"
url = "{base}/gkmlpt/api/all/3115"
keywords = ["{keyword}"]
"""


@click.command()
@click.option(
    "--keep",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the config, database and emails (default: a new temporary folder).",
)
def demo(folder: Path | None) -> None:
    """Watch the bundled replica of gxj.sz.gov.cn go from draft to final, end to end."""
    target = folder or Path(tempfile.mkdtemp(prefix="policywatch-demo-"))
    run_demo(target.resolve(), console=Console(highlight=False))


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoResult:
    """What the demo left behind, for the caller and the tests."""

    folder: Path
    config_path: Path
    database: Path
    outbox: Path
    change_sets: tuple[int, ...]
    emails: int
    elapsed: float


def snapshot_now(snapshot: str, *, minutes: int = 0) -> dt.datetime:
    """10:30 Beijing time on a snapshot's day (plus `minutes`): the demo's "now" for it."""
    day = dt.date.fromisoformat(snapshot)
    local = dt.datetime.combine(day, dt.time(10, 30), tzinfo=SHANGHAI)
    return (local + dt.timedelta(minutes=minutes)).astimezone(dt.UTC)


def run_demo(folder: Path, *, console: Console) -> DemoResult:
    """Run the narrated demo in `folder` (created if needed); returns where things are."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    site = bundled_site()
    with serve_in_thread(site / SNAPSHOTS[0][0]) as server:
        config_path = folder / "policywatch.toml"
        config_path.write_text(
            CONFIG_TEMPLATE.format(base=server.url.rstrip("/"), keyword=DEMO_KEYWORD),
            encoding="utf-8",
        )
        config = load_config(config_path)
        with open_store(config.database.path) as store:
            _intro(console, folder, server, store, snapshot_now(SNAPSHOTS[0][0]))
            story = _Story(console=console, config=config, store=store)
            change_sets = story.tell(server, site)
            _epilogue(console, config, store, change_sets)
    elapsed = time.perf_counter() - started
    console.print(f"\nDemo finished in {elapsed:.1f} s.")
    return DemoResult(
        folder=folder,
        config_path=config_path,
        database=config.database.path,
        outbox=config.outbox.dir,
        change_sets=tuple(change_sets),
        emails=story.emails,
        elapsed=elapsed,
    )


def _intro(
    console: Console, folder: Path, server: ReplayServer, store: Store, now: dt.datetime
) -> None:
    console.rule("[bold]policywatch demo[/bold]: 深圳市工业和信息化局, replayed on loopback")
    console.print(f"Folder:       {folder}")
    console.print(f"Replica site: {server.url} (three snapshots bundled with policywatch)")
    console.print(
        "Clock:        each snapshot is checked with its own day as now (10:30 Beijing time):"
        " the snapshots are from 2022, and what is news on a first check (published within"
        " `baseline_recent`, 14 days), the comment deadline and its reminder are judged as"
        " on that day."
    )
    for name, email, company, topics, cadence in SUBSCRIBERS:
        if store.find_subscriber(email) is None:
            store.add_subscriber(
                Subscriber(name=name, email=email, company=company),
                [Subscription(topics=topics, cadence=cadence)],
                now=now,
            )
        wants = f"topic {', '.join(topics)}" if topics else "every change"
        console.print(f"Subscriber:   {name} <{email}>, {wants}, {cadence.value}")


@dataclass(kw_only=True)
class _Story:
    """The demo's steps over one store, with the emails they wrote."""

    console: Console
    config: Config
    store: Store
    emails: int = 0

    def tell(self, server: ReplayServer, site: Path) -> list[int]:
        """Every step; returns the ids of the change sets found."""
        found: list[int] = []
        for step, (snapshot, what) in enumerate(SNAPSHOTS, 1):
            server.switch(site / snapshot)
            self.console.rule(f"Step {step}: {snapshot}, {what}")
            found += self.check(snapshot_now(snapshot), review=step == 2)
            if step == 1:
                self.remind(found)
        self.console.rule("Step 4: the same snapshot once more")
        found += self.check(snapshot_now(SNAPSHOTS[-1][0], minutes=30), review=False)
        self.digests(snapshot_now(SNAPSHOTS[-1][0]))
        return found

    def check(self, now: dt.datetime, *, review: bool) -> list[int]:
        """One cycle at `now`; narrate what it found; approve it (or leave it for review)."""
        before = {cs.id for cs in self.store.list_change_sets()}
        report = asyncio.run(run_check(self.config, self.store, now=now))
        _report_line(self.console, report)
        self.baselines(report)
        new = sorted(cs.id for cs in self.store.list_change_sets() if cs.id not in before)
        for cs_id in new:
            cs = self.store.get_change_set(cs_id)
            _narrate(self.console, self.store, cs)
            if review and cs.kind is ChangeSetKind.CHANGED:
                self.console.print(
                    f"  Change set #{cs.id} is left [bold]pending[/bold]: review it in the UI"
                    " (see the end of the demo)."
                )
            else:
                self.approve(cs, now)
        if not new:
            self.console.print(
                "  No new document and no change: nothing to review, nothing to send."
            )
        if new:
            self.send(now + dt.timedelta(minutes=1))
        return new

    def baselines(self, report: CycleReport) -> None:
        """The first check's baseline of each source, one line per source."""
        for source in report.reports:
            if source.baselines:
                self.console.print(
                    f"  Baseline of {source.name}: {source.baselines} published document(s)"
                    " recorded as history (stored, not queued for review or clients)."
                )

    def approve(self, cs: ChangeSetRecord, now: dt.datetime) -> None:
        """Approve a change set as the demo's reviewer (a real deployment waits for staff)."""
        queued = approve_change_set(
            self.store, cs.id, actor=DEMO_ACTOR, now=now, config=self.config
        )
        self.console.print(
            f"  Change set #{cs.id} approved by the demo (a real deployment waits for a"
            f" reviewer): {queued} email(s) queued."
        )

    def remind(self, found: list[int]) -> None:
        """Send the comment-deadline reminders of the draft, on the day they are due."""
        drafts = [self.store.get_change_set(i) for i in found]
        versions = [cs.to_version_id for cs in drafts if cs.kind is ChangeSetKind.NEW_DOCUMENT]
        deadlines = sorted(
            d
            for d in (self.store.get_version(v).document.comment_deadline for v in versions if v)
            if d is not None
        )
        if not deadlines:
            return
        due = reminder_time(deadlines[0], self.config)
        local = due.astimezone(SHANGHAI)
        self.console.rule(f"Reminders: {local:%Y-%m-%d %H:%M}, three days before the deadline")
        self.send(due)

    def send(self, now: dt.datetime) -> None:
        """Deliver what is due at `now` (emails become .eml files in the outbox folder)."""
        report = send_due(self.config, self.store, now=now)
        self.emails += report.emails
        _sent_lines(self.console, report)

    def digests(self, now: dt.datetime) -> None:
        """Digest subscribers are due at the next digest time; a demo does not wait for it."""
        self.console.rule("Sending the daily digest")
        self.send(now + dt.timedelta(days=1))


def _sent_lines(console: Console, report: SendReport) -> None:
    for item in report.items:
        console.print(f"  {item.outcome:<6} to {item.to}: {item.subject}")
    if report.emails:
        console.print(f"  {report.emails} email(s) written to the outbox folder.")


def _report_line(console: Console, report: CycleReport) -> None:
    console.print(
        f"  Checked {report.checked} sources in {report.elapsed:.2f} s: "
        f"{report.requests} requests ({report.not_modified} answered 304 Not Modified), "
        f"{report.new_documents} new document(s), {report.changed} changed, {report.failed} failed."
    )


def _narrate(console: Console, store: Store, cs: ChangeSetRecord) -> None:
    version = store.get_version(cs.to_version_id) if cs.to_version_id else None
    document = version.document if version else None
    if cs.kind is ChangeSetKind.NEW_DOCUMENT:
        console.print(f"  New document: 《{cs.document_title}》")
        if document is not None and version is not None:
            deadline = document.comment_deadline or "none"
            ways = ", ".join(f"{f.kind} {f.value}" for f in document.feedback) or "none given"
            console.print(
                f"    status {document.status.value}, {len(document.walk())} clauses in"
                f" {len(document.clauses)} sections, comment deadline {deadline},"
                f" from {version.url}"
            )
            console.print(f"    how to comment (from the notice): {ways}")
    else:
        console.print(
            f"  New version of 《{cs.document_title}》: {len(cs.changes)} clause change(s), "
            f"{len(cs.diff.document_changes)} document-level change(s)"
        )
        for change in cs.diff.document_changes:
            console.print(f"    {change.summary}")
        if len(cs.changes) <= 3:
            for stored in cs.changes:
                console.print(f"    {stored.summary}")


def _epilogue(console: Console, config: Config, store: Store, change_sets: list[int]) -> None:
    changed = [store.get_change_set(i) for i in change_sets]
    final = next((cs for cs in changed if cs.kind is ChangeSetKind.CHANGED), None)
    if final is not None:
        console.rule(
            f"The {len(final.changes)} clause changes from draft to final (change set #{final.id})"
        )
        console.print(_changes_table(final))
    password = _demo_user(store)
    cfg = config.path
    pending = [cs for cs in changed if cs.state is ChangeSetState.PENDING]
    console.rule("Where things are")
    console.print(f"Database:  {config.database.path}")
    console.print(f"Emails:    {config.outbox.dir}/*.eml")
    console.print(f"Config:    {cfg}")
    console.print(f"Review UI: {_program()} --config {cfg} serve")
    console.print(f"           then open http://127.0.0.1:8000/ and log in as demo / {password}")
    for cs in pending:
        console.print(
            f"Pending:   change set #{cs.id} ({len(cs.changes)} clause changes) waits for review:"
            f" http://127.0.0.1:8000/change-sets/{cs.id}"
        )
        console.print(
            "           press ? for the shortcuts: u suppresses the pure renumberings with one"
            " reason, a approves (after confirming how many subscribers it goes to)."
        )


def _program() -> str:
    """How to call policywatch again: its name when on PATH, else the script's full path."""
    if shutil.which("policywatch"):
        return "policywatch"
    script = Path(sys.argv[0])
    return str(script.resolve()) if script.name == "policywatch" else "policywatch"


def _changes_table(cs: ChangeSetRecord) -> Table:
    table = Table("#", "kinds", "draft", "final", "summary", show_lines=False)
    for n, stored in enumerate(cs.changes, 1):
        change = stored.change
        table.add_row(
            str(n),
            ", ".join(k.value for k in change.kinds),
            _label(change.old.label if change.old else None),
            _label(change.new.label if change.new else None),
            stored.summary,
        )
    return table


def _label(label: str | None) -> str:
    return f"（{label}）" if label else "—"


def _demo_user(store: Store) -> str:
    """A reviewer account for the demo's database, with a fresh random password."""
    password = secrets.token_urlsafe(9)
    existing = store.find_user("demo")
    if existing is None:
        store.add_user(
            name="demo",
            role=Role.ADMIN,
            password_hash=hash_password(password),
            now=dt.datetime.now(dt.UTC),
        )
    elif existing.id is not None:
        store.set_user_password(existing.id, hash_password(password))
    return password
