"""uvicorn around the review UI: `build_server` for `policywatch serve` and for tests."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from monitor.config import Config
from monitor.web.app import create_app
from state.store import Store, open_store


def store_factory(path: Path) -> Store:
    """Open the (already migrated) database at `path` for one request."""
    return open_store(path, migrate=False)


def build_app(config: Config) -> Starlette:
    """The UI over the configured database (migrated first)."""
    path = config.database.path
    open_store(path).close()
    return create_app(config, lambda: store_factory(path))


def build_server(
    app: Starlette,
    config: Config,
    *,
    host: str | None = None,
    port: int | None = None,
    log_level: str = "info",
) -> uvicorn.Server:
    """A uvicorn server for `app` on the configured (or given) host and port."""
    settings = uvicorn.Config(
        app,
        host=host or config.web.host,
        port=config.web.port if port is None else port,
        log_level=log_level,
        proxy_headers=config.web.secure_cookies,
        server_header=False,
        lifespan="off",
    )
    return uvicorn.Server(settings)
