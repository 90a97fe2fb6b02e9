"""`changes list|show`: the change sets the monitor stored (review commands append here)."""

from __future__ import annotations

import json

import click

from monitor.cli.context import AppContext
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

    store = app.store()
    try:
        found = store.list_change_sets(
            state=ChangeSetState(state) if state else None, document_id=document_id
        )
    finally:
        store.close()
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

    store = app.store()
    try:
        try:
            cs = store.get_change_set(change_set_id)
        except NotFoundError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        store.close()
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


def _mount_review_commands() -> None:
    """`changes approve|reject` live with the notifications commands."""
    from monitor.cli.subscribers import approve, reject

    changes.add_command(approve)
    changes.add_command(reject)


_mount_review_commands()


# --- export (issue 9): client deliverables -------------------------------------------------

EXPORT_FORMATS = ("json", "csv", "html", "docx")  # the keys of monitor.review.export.FORMATS


@changes.command("export")
@click.argument("change_set_id", metavar="ID", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="json",
    show_default=True,
    help="json (the `show --json` shape), csv (Excel-ready), html or docx (redlines).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@click.pass_obj
def export(app: AppContext, change_set_id: int, fmt: str, output: str | None) -> None:
    """Export change set ID for a client: JSON, CSV, an HTML or a DOCX redline."""
    from pathlib import Path

    from monitor.review.export import FORMATS, load_export
    from state.errors import NotFoundError

    store = app.store()
    try:
        source = load_export(store, change_set_id)
    except NotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    data = FORMATS[fmt](source)
    if output is None:
        click.echo(data, nl=False)  # bytes go to the binary stream untouched
        return
    Path(output).write_bytes(data)
    click.echo(f"Wrote {output} ({fmt}, {len(data)} bytes)", err=True)
