"""`init`, `db migrate|vacuum|check`, `sources list`: setting up and inspecting the basics."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.context import AppContext
from monitor.cli.presets import DESCRIPTIONS, PRESETS


@click.command()
@click.option(
    "--preset",
    type=click.Choice(list(PRESETS)),
    default="example",
    show_default=True,
    help="Which config to write: a commented example, or the real sources of a Shenzhen"
    " bureau (sz-all: all of them); --list-presets says which is which.",
)
@click.option("--list-presets", is_flag=True, help="List the presets and what each watches.")
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
def init(app: AppContext, preset: str, list_presets: bool, force: bool) -> None:
    """Write a commented config (an example, or a bureau's sources) and create the database.

    The Shenzhen presets say, in the file, what is still to be confirmed against the live site.
    """
    if list_presets:
        for name, what in DESCRIPTIONS.items():
            click.echo(f"{name:<12} {what}")
        return
    path = Path(app.config_path)
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists (use --force to overwrite)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PRESETS[preset], encoding="utf-8")
    app.store().close()  # creates and migrates the database
    click.echo(f"Wrote {path} ({preset}) and created {app.config.database.path}")


@click.group()
def db() -> None:
    """Database maintenance: migrate, vacuum, integrity check, re-parse."""


@db.command()
@click.pass_obj
def migrate(app: AppContext) -> None:
    """Create the database or bring its schema up to date."""
    from state.store import open_store

    with open_store(app.config_or_default().database.path, migrate=False) as store:
        applied = store.migrate()
    if applied:
        click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("Database schema is up to date.")


@db.command()
@click.pass_obj
def check(app: AppContext) -> None:
    """Run SQLite's integrity check; exit 1 unless it says ok."""
    with app.store(migrate=False) as store:
        result = store.integrity_check()
    click.echo(result)
    if result != "ok":
        raise SystemExit(1)


@db.command()
@click.pass_obj
def vacuum(app: AppContext) -> None:
    """Prune attempts past `[daemon] retention`, then rebuild the file (safe while running)."""
    from state.base import utcnow
    from state.store import open_store

    config = app.config_or_default()
    with open_store(config.database.path, migrate=False) as store:
        pruned = store.apply_retention(older_than=utcnow() - config.daemon.retention)
        before, after = store.vacuum()
    click.echo(
        f"Pruned {pruned.attempts_deleted} attempt(s), {pruned.raw_bodies_dropped} raw body(ies);"
        f" {before:,} -> {after:,} bytes"
    )


@click.group()
def sources() -> None:
    """Inspect the configured sources."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_sources(app: AppContext, as_json: bool) -> None:
    """List the sources: the config file's, then those added in the review UI."""
    import json

    from monitor.catalog import catalog
    from monitor.config import format_duration

    config = app.config
    with app.store() as store:
        entries = catalog(config, store)
    rows: list[dict[str, str | bool | list[str] | None]] = [
        {
            "name": e.name,
            "origin": e.origin,
            "kind": e.source.kind if e.source else (e.record.kind if e.record else ""),
            "url": e.source.url if e.source else (e.record.url if e.record else ""),
            "every": (e.source.cron or format_duration(e.source.every)) if e.source else None,
            "keywords": list(e.source.keywords) if e.source else [],
            "enabled": bool(e.source and e.source.enabled),
            "problem": e.problem,
        }
        for e in entries
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "origin", "kind", "every", "url", "keywords", "note")
    for r in rows:
        keywords = r["keywords"]
        note = r["problem"] or ("" if r["enabled"] else "disabled")
        table.add_row(
            str(r["name"]),
            str(r["origin"]),
            str(r["kind"]),
            str(r["every"] or "-"),
            str(r["url"]),
            ", ".join(keywords) if isinstance(keywords, list) else "",
            str(note),
        )
    Console().print(table)


@db.command()
@click.option(
    "--all", "everything", is_flag=True, help="Every version, not only older parsers' trees."
)
@click.pass_obj
def reparse(app: AppContext, everything: bool) -> None:
    """Parse stored versions again from their bytes with this parser version."""
    import parsers
    from monitor.check.reparse import refresh_all

    with app.store() as store:
        report = refresh_all(store, everything=everything)
    click.echo(
        f"Re-parsed {report.parsed} version(s) with parser {parsers.PARSER_VERSION}:"
        f" {report.changed} tree(s) changed; {report.no_bytes} without stored bytes,"
        f" {report.failed} failed"
    )
    if report.failed:
        raise SystemExit(1)
