"""`serve` (the staff review UI) and `users add|list|disable` (its staff accounts)."""

from __future__ import annotations

import sys

import click

from monitor.cli.context import AppContext

MIN_PASSWORD = 8


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default: [web] host).")
@click.option("--port", type=int, default=None, help="Port (default: [web] port).")
@click.pass_obj
def serve(app: AppContext, host: str | None, port: int | None) -> None:
    """Serve the staff review UI (login required) and print the Atom feed URL."""
    from monitor.check.background import BackgroundChecks
    from monitor.web.server import build_app, build_server

    config = app.config
    web_app = build_app(config, checks=BackgroundChecks(config))
    server = build_server(web_app, config, host=host, port=port)
    web = web_app.state.web
    base = config.notifications.base_url.rstrip("/")
    click.echo(f"Review UI on http://{server.config.host}:{server.config.port}/")
    click.echo(f"Atom feed of approved changes: {base}/feed/{web.feed_token}")
    server.run()


@click.group()
def users() -> None:
    """Staff accounts of the review UI."""


def _interactive() -> bool:
    return sys.stdin.isatty()


def _read_password(name: str) -> str:
    if _interactive():
        password = str(
            click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
        )
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        raise click.UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["admin", "reviewer"]),
    default="reviewer",
    show_default=True,
    help="admin: also manages sources and subscribers.",
)
@click.pass_obj
def add_user(app: AppContext, name: str, role: str) -> None:
    """Create a staff account; the password is read from stdin (prompted twice on a TTY)."""
    from monitor.web.auth import hash_password
    from parsers.records import Role
    from state.base import utcnow
    from state.errors import ConflictError

    password = _read_password(name)
    with app.store() as store:
        try:
            store.add_user(
                name=name, role=Role(role), password_hash=hash_password(password), now=utcnow()
            )
        except ConflictError as exc:
            raise click.UsageError(str(exc)) from None
    click.echo(f"Added {role} {name}")


@users.command("list")
@click.pass_obj
def list_users(app: AppContext) -> None:
    """List staff accounts."""
    with app.store() as store:
        found = store.list_users()
    for user in found:
        state = "active" if user.active else "disabled"
        created = user.created_at.date().isoformat() if user.created_at else "-"
        click.echo(f"{user.name}\t{user.role.value}\t{state}\t{created}")
    if not found:
        click.echo("No staff accounts (add one with `policywatch users add NAME --role admin`).")


@users.command("disable")
@click.argument("name")
@click.pass_obj
def disable_user(app: AppContext, name: str) -> None:
    """Disable a staff account (its sessions stop working at once)."""
    with app.store() as store:
        user = store.find_user(name)
        if user is None or user.id is None:
            raise click.UsageError(f"no user named {name!r}")
        store.set_user_active(user.id, active=False)
    click.echo(f"Disabled {name}")
