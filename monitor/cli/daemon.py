"""`run` (the daemon) and `status` (its health, from the database)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.context import AppContext

if TYPE_CHECKING:
    from monitor.daemon.health import DaemonStatus


@click.command()
@click.option("--serve", is_flag=True, help="Also serve the review UI ([web] host/port).")
@click.pass_obj
def run(app: AppContext, serve: bool) -> None:
    """Run the scheduler in the foreground until SIGTERM/SIGINT (one per database)."""
    from monitor.daemon.service import run_daemon
    from monitor.errors import DaemonLockedError

    config = app.config
    try:
        code = run_daemon(config, serve=serve)
    except DaemonLockedError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    sys.exit(code)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status(app: AppContext, as_json: bool) -> None:
    """Show the daemon's heartbeat and each source's health; exit 1 when unhealthy."""
    from monitor.daemon.health import collect_status
    from state.base import utcnow

    config = app.config
    if not config.database.path.exists():
        click.echo(f"Error: no database at {config.database.path}", err=True)
        sys.exit(1)
    with app.store(migrate=False) as store:
        report = collect_status(config, store, now=utcnow())
    if as_json:
        import json

        click.echo(json.dumps(_as_json(report), ensure_ascii=False, indent=2))
    else:
        _print_table(report)
    sys.exit(0 if report.healthy else 1)


def _when(value: dt.datetime | None, default: str = "-") -> str:
    from monitor.local_time import SHANGHAI

    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else default


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _as_json(report: DaemonStatus) -> dict[str, Any]:
    lock = report.lock
    return {
        "healthy": report.healthy,
        "daemon": {
            "running": report.running,
            "pid": lock.pid if lock else None,
            "host": lock.host if lock else None,
            "started_at": _iso(lock.started_at) if lock else None,
            "heartbeat_at": _iso(lock.heartbeat_at) if lock else None,
        },
        "sources": [
            {
                "name": s.name,
                "enabled": s.enabled,
                "schedule": s.schedule,
                "last_success": _iso(s.last_success),
                "last_error": s.last_error,
                "last_error_at": _iso(s.last_error_at),
                "consecutive_failures": s.consecutive_failures,
                "next_due": _iso(s.next_due),
                "failing": s.failing,
            }
            for s in report.sources
        ],
        "outbox": {
            "pending": report.outbox.pending,
            "due": report.outbox.due,
            "claimed": report.outbox.claimed,
            "failed": report.outbox.failed,
            "held": report.outbox.held,
            "oldest_due_at": _iso(report.outbox.oldest_due_at),
            "held_by": [
                {
                    "channel": g.channel,
                    "reason": g.reason,
                    "error": g.error,
                    "count": g.count,
                    "since": _iso(g.since),
                    "next_try": _iso(g.next_try),
                }
                for g in report.outbox.held_groups
            ],
        },
        "problems": list(report.problems),
    }


def _print_table(report: DaemonStatus) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    lock = report.lock
    if report.running and lock:
        age = int(report.heartbeat_age.total_seconds()) if report.heartbeat_age else 0
        console.print(f"Daemon: running, pid {lock.pid} on {lock.host}, heartbeat {age}s ago")
    elif lock:
        console.print(
            f"Daemon: NOT running (last heartbeat {_when(lock.heartbeat_at)}, pid {lock.pid})"
        )
    else:
        console.print("Daemon: NOT running")
    table = Table("source", "schedule", "last success", "failures", "last error", "next due")
    for s in report.sources:
        error = f"{_when(s.last_error_at)} {s.last_error}" if s.last_error else "-"
        due = _when(s.next_due, "now") if s.enabled else "disabled"
        fails = f"[red]{s.consecutive_failures}[/red]" if s.failing else str(s.consecutive_failures)
        table.add_row(s.name, s.schedule, _when(s.last_success), fails, error, due)
    console.print(table)
    box = report.outbox
    # plain lines (not rich): an error message is never wrapped or read as markup
    click.echo(
        f"Outbox: {box.pending} pending ({box.due} due, oldest {_when(box.oldest_due_at)}),"
        f" {box.claimed} claimed, {box.failed} failed, {box.held} held"
    )
    for group in box.held_groups:
        click.echo(
            f"  HELD {group.count} message(s) on {group.channel} ({group.reason}) since"
            f" {_when(group.since)}, next try {_when(group.next_try)}: {group.error}"
        )
    if box.held:
        click.echo("  Fix the cause, then `policywatch send --retry-held`.")
    for problem in report.problems:
        click.echo(f"Warning: {problem}")
