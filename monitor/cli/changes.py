"""`changes list|show|approve|reject|export`: the change sets the monitor stored, reviewed from
the command line, and exported for clients."""

from __future__ import annotations

import getpass
import json

import click

from monitor.cli.context import AppContext
from monitor.clock import utcnow
from monitor.json_shapes import change_set_json


@click.group()
def changes() -> None:
    """Change sets between versions: list them, show one."""


@changes.command("list")
@click.option("--state", type=click.Choice(["pending", "approved", "rejected"]), default=None)
@click.option("--document", "document_id", type=int, default=None, help="Only this document.")
@click.option("--json", "as_json", is_flag=True, help="JSON: a list of change sets.")
@click.pass_obj
def list_changes(
    app: AppContext, state: str | None, document_id: int | None, as_json: bool
) -> None:
    """Change sets, newest first."""
    from parsers.records import ChangeSetState

    with app.store() as store:
        found = store.list_change_sets(
            state=ChangeSetState(state) if state else None, document_id=document_id
        )
    if as_json:
        click.echo(json.dumps([change_set_json(c) for c in found], ensure_ascii=False, indent=1))
        return
    for cs in found:
        click.echo(
            f"{cs.id:>4}  {cs.detected_at:%Y-%m-%d %H:%M}  {cs.state.value:<8} {cs.kind.value:<12}"
            f" {len(cs.changes):>3} changes  #{cs.document_id} {cs.document_title}"
        )


@changes.command("show")
@click.argument("change_set_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON: one change set.")
@click.pass_obj
def show_change(app: AppContext, change_set_id: int, as_json: bool) -> None:
    """One change set with its clause changes."""
    from state.errors import NotFoundError

    with app.store() as store:
        try:
            cs = store.get_change_set(change_set_id)
        except NotFoundError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(change_set_json(cs), ensure_ascii=False, indent=1))
        return
    click.echo(f"#{cs.id} {cs.kind.value} [{cs.state.value}] {cs.document_title}")
    if cs.note:
        click.echo(f"note: {cs.note}")
    for d in cs.diff.document_changes:
        click.echo(f"  * {d.summary}")
    for c in cs.visible_changes:
        click.echo(f"  - {c.summary}")


@changes.command()
@click.argument("change_set_id", type=int)
@click.option("--by", "actor", help="Reviewer name (default: the OS user).")
@click.option(
    "--no-notify", is_flag=True, help="Approve as history only: queue no email (a stale draft)."
)
@click.pass_obj
def approve(app: AppContext, change_set_id: int, actor: str | None, no_notify: bool) -> None:
    """Approve a pending change set and queue its emails."""
    from monitor.review.actions import approve_change_set
    from state.errors import StoreError

    with app.store() as store:
        try:
            queued = approve_change_set(
                store,
                change_set_id,
                actor=actor or getpass.getuser(),
                now=utcnow(),
                config=app.config,
                notify=not no_notify,
            )
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Approved change set {change_set_id}: {queued} email(s) queued")


@changes.command()
@click.argument("change_set_id", type=int)
@click.option("--reason", required=True, help="Why the change set is rejected.")
@click.option("--by", "actor", help="Reviewer name (default: the OS user).")
@click.pass_obj
def reject(app: AppContext, change_set_id: int, reason: str, actor: str | None) -> None:
    """Reject a pending change set (nothing is sent)."""
    from monitor.review.actions import reject_change_set
    from state.errors import StoreError

    with app.store() as store:
        try:
            reject_change_set(
                store, change_set_id, actor=actor or getpass.getuser(), reason=reason, now=utcnow()
            )
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Rejected change set {change_set_id}")


# the keys of monitor.review.formats.FORMATS
EXPORT_FORMATS = ("json", "csv", "html", "docx", "table-docx")


@changes.command("export")
@click.argument("change_set_id", metavar="ID", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="json",
    show_default=True,
    help="json (the `show --json` shape), csv (Excel-ready), html or docx (redlines),"
    " table-docx (新旧条文对照表: 修改前 | 修改后 | 说明).",
)
@click.option("--full", is_flag=True, help="table-docx: every clause, the unchanged ones plain.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@click.pass_obj
def export(app: AppContext, change_set_id: int, fmt: str, output: str | None, full: bool) -> None:
    """Export change set ID for a client: JSON, CSV, an HTML or a DOCX redline, or the
    新旧条文对照表 (table-docx)."""
    from pathlib import Path

    from monitor.review.export import load_export
    from monitor.review.formats import FORMATS
    from monitor.review.table import export_table_docx
    from state.errors import NotFoundError

    if full and fmt != "table-docx":
        raise click.UsageError("--full goes with --format table-docx")

    with app.store() as store:
        try:
            source = load_export(store, change_set_id)
        except NotFoundError as exc:
            raise click.ClickException(str(exc)) from None
    data = export_table_docx(source, full=True) if full else FORMATS[fmt](source)
    if output is None:
        click.echo(data, nl=False)  # bytes go to the binary stream untouched
        return
    Path(output).write_bytes(data)
    click.echo(f"Wrote {output} ({fmt}, {len(data)} bytes)", err=True)
