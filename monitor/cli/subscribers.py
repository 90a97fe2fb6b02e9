"""`subscribers add|list|remove|import|channel`, `channels list|test`, `send` and
`unsubscribe`: the clients, the channels that reach them (email, chat groups), their messages."""

from __future__ import annotations

import datetime as dt
import sys
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
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help="A [[channel]] name (a chat group) that also gets the messages (repeat).",
)
@click.option("--no-email", is_flag=True, help="No emails: only the --channel chat groups.")
@click.pass_obj
def add(
    app: AppContext,
    name: str,
    email: str,
    company: str | None,
    topics: tuple[str, ...],
    keywords: tuple[str, ...],
    cadence: str,
    channels: tuple[str, ...],
    no_email: bool,
) -> None:
    """Add a subscriber (no topic and no keyword: every change); EMAIL is their contact
    address and, unless --no-email, where messages go."""
    from notifications.message import valid_email
    from parsers.records import Cadence, Subscriber, Subscription
    from state.errors import ConflictError

    if not valid_email(email):
        raise click.BadParameter(f"not a valid email address: {email!r}", param_hint="EMAIL")
    for channel in channels:
        _check_channel(app, channel)
    chosen = ([] if no_email else ["email"]) + list(channels)
    if not chosen:
        raise click.UsageError("--no-email needs at least one --channel")
    who = Subscriber(name=name.strip(), email=email, company=company)
    sub = Subscription(topics=topics, keywords=keywords, cadence=Cadence(cadence))
    with app.store() as store:
        try:
            sub_id = store.add_subscriber(who, [sub], now=_now(), channels=chosen)
        except ConflictError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Added subscriber {sub_id}: {name} <{email}> ({cadence}; {', '.join(chosen)})")


def _check_channel(app: AppContext, channel: str) -> None:
    from monitor.review.channels import known_channel

    if not known_channel(app.config, channel):
        names = ", ".join(["email", *(c.name for c in app.config.channels)])
        raise click.BadParameter(
            f"no [[channel]] named {channel!r} in {app.config_path} (known: {names})",
            param_hint="CHANNEL",
        )


@subscribers.group("channel")
def channel() -> None:
    """Give a subscriber a channel (email, or a [[channel]] chat group) or take it away."""


@channel.command("add")
@click.argument("id_or_email")
@click.argument("name")
@click.pass_obj
def channel_add(app: AppContext, id_or_email: str, name: str) -> None:
    """Send the subscriber's messages to channel NAME too ("email" or a [[channel]] name)."""
    _check_channel(app, name)
    with app.store() as store:
        who = _find(store, id_or_email)
        added = store.add_channel(who.id or 0, name)
    click.echo(f"{who.name}: {'added' if added else 'already has'} {name}")


@channel.command("remove")
@click.argument("id_or_email")
@click.argument("name")
@click.pass_obj
def channel_remove(app: AppContext, id_or_email: str, name: str) -> None:
    """Stop sending the subscriber's messages to channel NAME (queued ones are cancelled)."""
    with app.store() as store:
        who = _find(store, id_or_email)
        if not store.remove_channel(who.id or 0, name):
            raise click.ClickException(f"{who.name} has no channel {name!r}")
        left = store.channels_of(who.id or 0)
    click.echo(f"{who.name}: removed {name}; channels now: {', '.join(left) or 'none'}")


def _find(store: Any, id_or_email: str) -> Any:
    found = store.find_subscriber(id_or_email)
    if found is None or found.id is None:
        raise click.ClickException(f"no subscriber {id_or_email!r}")
    return found


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
                "channels": store.channels_of(s.id or 0),
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
    channels = ", ".join(row["channels"]) or "no channel"
    return f"{row['id']:>4}  {row['name']} <{row['email']}>{state}  [{channels}]  {subs}"


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
@click.option(
    "--retry-held",
    is_flag=True,
    help="Retry held messages now, without waiting for their backoff (after a fix).",
)
@click.pass_obj
def send(app: AppContext, dry_run: bool, retry_held: bool) -> None:
    """Deliver the due outbox messages (SMTP or .eml files, chat groups); exit 1 when any
    failed or is held."""
    from monitor.review.channels import delivery_problems
    from monitor.review.sending import send_due

    for problem in delivery_problems(app.config):
        click.echo(f"error: {problem}", err=True)
    with app.store() as store:
        report = send_due(app.config, store, now=_now(), dry_run=dry_run, retry_held=retry_held)
    for item in report.items:
        click.echo(f"{item.outcome:>9}  {item.to}  {item.subject}")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    verb = "would send" if dry_run else "sent"
    click.echo(
        f"{report.due} row(s) due: {verb} {report.emails} message(s), {report.retried} to retry,"
        f" {report.held} held, {report.failed} failed, {report.cancelled} cancelled"
    )
    if report.held:
        click.echo("held messages stay queued: `policywatch status` says why", err=True)
    if not report.ok:
        sys.exit(1)


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
    state = "" if who.active else " (no channel left: deactivated)"
    click.echo(f"Unsubscribed {who.name} <{who.email}> from email{state}")


@click.group()
def channels() -> None:
    """The [[channel]] chat groups of the config: list them, send a test message."""


@channels.command("list")
@click.pass_obj
def channels_list(app: AppContext) -> None:
    """Each [[channel]]: kind, webhook host, what the environment lacks, who uses it."""
    from monitor.review.channels import channel_problem
    from notifications.chat import redact

    with app.store() as store:
        users: dict[str, list[str]] = {}
        for who in store.list_subscribers():
            for name in store.channels_of(who.id or 0):
                users.setdefault(name, []).append(who.name)
    if not app.config.channels:
        click.echo("No [[channel]] in the config (every subscriber gets email only).")
    for ch in app.config.channels:
        where = redact(ch.url) if ch.url else f"${ch.url_env}"
        problem = channel_problem(ch)
        status = f"NOT READY: {problem}" if problem else "ready"
        people = ", ".join(users.get(ch.name, [])) or "no subscriber"
        click.echo(f"{ch.name:<20} {ch.kind:<9} {where:<32} {status}; {people}")


@channels.command("test")
@click.argument("name")
@click.pass_obj
def channels_test(app: AppContext, name: str) -> None:
    """Post a short test message to channel NAME now (checks URL, secret and signature)."""
    from monitor.review.channels import make_bot
    from notifications.errors import DeliveryError

    try:
        with make_bot(app.config, name) as bot:
            org = app.config.notifications.organisation or "policywatch"
            bot.post("policywatch 测试消息", f"**{org}政策监测**：本群已接入政策变化通知。")
    except DeliveryError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Posted a test message to {name}")
