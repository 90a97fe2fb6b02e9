"""`subscribers add|list|remove|import`, `send` and `unsubscribe`: the clients and their emails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from monitor.cli.context import AppContext

CADENCES = ("immediate", "daily", "weekly")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@click.group()
def subscribers() -> None:
    """Manage the clients who receive change emails."""


@subscribers.command("add")
@click.argument("name")
@click.argument("email")
@click.option("--company", help="The subscriber's company.")
@click.option("--topic", "topics", multiple=True, help="A section/topic, e.g. 企业融资 (repeat).")
@click.option("--keyword", "keywords", multiple=True, help="A keyword to match (repeat).")
@click.option("--cadence", type=click.Choice(CADENCES), default="immediate", show_default=True)
@click.pass_obj
def add(
    app: AppContext,
    name: str,
    email: str,
    company: str | None,
    topics: tuple[str, ...],
    keywords: tuple[str, ...],
    cadence: str,
) -> None:
    """Add a subscriber (no topic and no keyword: every change)."""
    from notifications.message import valid_email
    from parsers.records import Cadence, Subscriber, Subscription
    from state.errors import ConflictError

    if not valid_email(email):
        raise click.BadParameter(f"not a valid email address: {email!r}", param_hint="EMAIL")
    who = Subscriber(name=name.strip(), email=email, company=company)
    sub = Subscription(topics=topics, keywords=keywords, cadence=Cadence(cadence))
    with app.store() as store:
        try:
            sub_id = store.add_subscriber(who, [sub], now=_now())
        except ConflictError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Added subscriber {sub_id}: {name} <{email}> ({cadence})")


@subscribers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_(app: AppContext, as_json: bool) -> None:
    """List subscribers and what they subscribed to."""
    import json

    with app.store() as store:
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "email": s.email,
                "company": s.company,
                "active": s.active,
                "subscriptions": [
                    {
                        "topics": list(x.topics),
                        "keywords": list(x.keywords),
                        "cadence": x.cadence.value,
                    }
                    for x in store.subscriptions_of(s.id or 0)
                ],
            }
            for s in store.list_subscribers()
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(_line(r))


def _line(row: dict[str, Any]) -> str:
    subs = "; ".join(
        f"{x['cadence']}: {', '.join(x['topics'] + x['keywords']) or 'everything'}"
        for x in row["subscriptions"]
    )
    state = "" if row["active"] else " [unsubscribed]"
    return f"{row['id']:>4}  {row['name']} <{row['email']}>{state}  {subs}"


@subscribers.command("remove")
@click.argument("id_or_email")
@click.pass_obj
def remove(app: AppContext, id_or_email: str) -> None:
    """Remove a subscriber (by id or email) with their subscriptions and queued emails."""
    with app.store() as store:
        found = store.find_subscriber(id_or_email)
        if found is None or found.id is None:
            raise click.ClickException(f"no subscriber {id_or_email!r}")
        store.remove_subscriber(found.id)
    click.echo(f"Removed subscriber {found.id}: {found.name} <{found.email}>")


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(app: AppContext, file: Path) -> None:
    """Import subscribers from CSV (name,email,company,topics,keywords,cadence): all or none."""
    from notifications.csvimport import parse_csv
    from state.errors import ConflictError

    try:
        parsed = parse_csv(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text") from None
    errors = list(parsed.errors)
    with app.store() as store:
        for who, _ in parsed.people:
            if store.find_subscriber(who.email) is not None:
                errors.append(f"{who.email}: already a subscriber")
        if not errors:
            try:
                ids = store.import_subscribers(parsed.people, now=_now())
            except ConflictError as exc:
                errors.append(str(exc))
    if errors:
        for line in errors:
            click.echo(f"{file}: {line}", err=True)
        raise click.ClickException(f"nothing imported ({len(errors)} error(s))")
    click.echo(f"Imported {len(ids)} subscriber(s) from {file}")


@click.command()
@click.option("--dry-run", is_flag=True, help="Render what is due and list it; send nothing.")
@click.pass_obj
def send(app: AppContext, dry_run: bool) -> None:
    """Deliver the due outbox emails (SMTP, or .eml files without [smtp])."""
    from monitor.review.sending import send_due

    with app.store() as store:
        report = send_due(app.config, store, now=_now(), dry_run=dry_run)
    for item in report.items:
        click.echo(f"{item.outcome:>9}  {item.to}  {item.subject}")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    verb = "would send" if dry_run else "sent"
    click.echo(
        f"{report.due} row(s) due: {verb} {report.emails} email(s), {report.retried} to retry,"
        f" {report.failed} failed, {report.cancelled} cancelled"
    )


@click.command()
@click.argument("token")
@click.pass_obj
def unsubscribe(app: AppContext, token: str) -> None:
    """Unsubscribe the subscriber named by a signed token (from an email's link)."""
    from monitor.review.unsubscribe import unsubscribe as unsubscribe_token
    from notifications.errors import TokenError

    with app.store() as store:
        try:
            who = unsubscribe_token(store, token, config=app.config, now=_now())
        except TokenError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Unsubscribed {who.name} <{who.email}>")
