"""`documents list|show`: the documents (one policy across its versions) the monitor knows."""

from __future__ import annotations

import json
from typing import Any

import click

from monitor.cli.context import AppContext
from monitor.json_shapes import document_json
from state.store import Store


@click.group()
def documents() -> None:
    """Documents the monitor knows: list them, show one."""


@documents.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON: [{id, title, status, versions, url}].")
@click.pass_obj
def list_documents(app: AppContext, as_json: bool) -> None:
    """Every document, most recently updated first."""
    with app.store() as store:
        docs = store.list_documents()
    if as_json:
        click.echo(json.dumps([document_json(d) for d in docs], ensure_ascii=False, indent=1))
        return
    for d in docs:
        click.echo(f"{d.id:>4}  {d.status.value:<9} v{d.version_count:<3} {d.title}")


@documents.command("show")
@click.argument("document_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON with versions and status events.")
@click.pass_obj
def show_document(app: AppContext, document_id: int, as_json: bool) -> None:
    """One document: its versions, renditions and lifecycle events."""
    from state.errors import NotFoundError

    with app.store() as store:
        try:
            data = _document_detail(store, document_id)
        except NotFoundError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    click.echo(f"#{data['id']} {data['title']} [{data['status']}]\n{data['url']}")
    for v in data["version_list"]:
        click.echo(f"  v{v['seq']}  {v['fetched_at']}  {v['status']:<6} {v['url']}")
    for e in data["events"]:
        click.echo(f"  {e['at']}  {e['event']}  {e['detail'] or ''}")


def _document_detail(store: Store, document_id: int) -> dict[str, Any]:
    doc = store.get_document(document_id)
    data = document_json(doc)
    data["version_list"] = [
        {
            "id": v.id,
            "seq": v.seq,
            "url": v.url,
            "fetched_at": v.fetched_at.isoformat(),
            "status": v.document.status.value,
            "comment_deadline": (
                v.document.comment_deadline.isoformat() if v.document.comment_deadline else None
            ),
        }
        for v in store.versions_of(document_id)
    ]
    data["renditions"] = [r.key for r in store.renditions_of(document_id)]
    data["events"] = [
        {"event": e.event, "at": e.at.isoformat(), "detail": e.detail}
        for e in store.status_events(document_id)
    ]
    return data
