"""`check`, `replay`, `documents list|show`: run one cycle, serve a snapshot, see what is stored."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.context import AppContext
from monitor.json_shapes import document_json

if TYPE_CHECKING:
    from monitor.check.cycle import CycleReport
    from state.store import Store


@click.command()
@click.option("--source", "names", multiple=True, help="Check only this source (repeatable).")
@click.pass_obj
def check(app: AppContext, names: tuple[str, ...]) -> None:
    """Run one full check cycle over every enabled source (whatever its schedule).

    Exits 1 when any source failed.
    """
    from monitor.check.cycle import run_check

    config = app.config
    for name in names:
        config.source(name)  # ConfigError (exit 2) for an unknown name
    selected = names or tuple(s.name for s in config.sources if s.enabled)
    store = app.store()
    try:
        with _progress(len(selected)) as advance:
            report = asyncio.run(run_check(config, store, sources=selected, on_progress=advance))
    finally:
        store.close()
    _summary(report)
    if report.failed:
        sys.exit(1)


class _progress:  # noqa: N801 - a context manager used like a function
    """A rich progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return lambda report: None
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.start()
        task = self.bar.add_task("checking", total=self.total)
        return lambda report: self.bar.update(task, advance=1, description=report.name)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


_QUIET = ("unchanged", "not_modified", "baseline")
_ROW = "{:<24} {:<13} {:>4} {:>8} {:>9} {:>5}  {}"
MAX_ROWS = 30  # a big cycle lists its failures first, then news, then says how many more


def _summary(report: CycleReport) -> None:
    """One row per source with news or a failure (every source when few), then the totals.

    Plain text: it is read on a terminal, in a log and by scripts, and a cycle of a thousand
    sources should not spend its time laying out a table.
    """
    rows = list(report.reports)
    if len(rows) > MAX_ROWS:
        rows = [r for r in rows if r.outcome.value not in _QUIET]
        rows.sort(key=lambda r: (not r.failed, r.name))
    lines = [_ROW.format("source", "outcome", "new", "changed", "requests", "304", "error")]
    for r in rows[:MAX_ROWS]:
        lines.append(
            _ROW.format(
                r.name[:24],
                r.outcome.value,
                r.new_documents,
                r.changed,
                r.requests,
                r.not_modified,
                (r.error or "")[:100],
            )
        )
    if len(rows) > MAX_ROWS:
        lines.append(f"... and {len(rows) - MAX_ROWS} more sources with news")
    lines.append(
        f"sources checked {report.checked}, unchanged {report.unchanged}, "
        f"new documents {report.new_documents}, changed {report.changed}, "
        f"failed {report.failed}, time {report.elapsed:.2f}s"
    )
    click.echo("\n".join(lines))


@click.command()
@click.argument("snapshot_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=int, default=8080, show_default=True, help="Port on 127.0.0.1.")
def replay(snapshot_dir: Path, port: int) -> None:
    """Serve a recorded snapshot (a folder with manifest.json) on 127.0.0.1.

    Switch snapshots while running with GET /__replay/switch?snapshot=<sibling folder>.
    """
    from monitor.fetch.replay import ReplayServer, bundled_site

    if not (snapshot_dir / "manifest.json").is_file() and (bundled_site() / snapshot_dir).is_dir():
        snapshot_dir = bundled_site() / snapshot_dir  # e.g. `policywatch replay 2022-06-20`
    if not (snapshot_dir / "manifest.json").is_file():
        raise click.UsageError(f"{snapshot_dir}: no manifest.json")
    server = ReplayServer(snapshot_dir, port=port)
    click.echo(f"Serving {snapshot_dir} at {server.url} (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@click.group()
def documents() -> None:
    """Documents the monitor knows: list them, show one."""


@documents.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON: [{id, title, status, versions, url}].")
@click.pass_obj
def list_documents(app: AppContext, as_json: bool) -> None:
    """Every document, most recently updated first."""
    store = app.store()
    try:
        docs = store.list_documents()
    finally:
        store.close()
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

    store = app.store()
    try:
        try:
            data = _document_detail(store, document_id)
        except NotFoundError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        store.close()
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
