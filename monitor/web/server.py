"""uvicorn around the review UI: the one server builder, for `policywatch serve`, for
`policywatch run --serve` (inside the daemon's loop, under the daemon's signal handling and
logging) and for tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from monitor.config import Config
from monitor.web.app import create_app
from monitor.web.context import CheckRunner
from state.store import Store, open_store


def store_factory(path: Path) -> Store:
    """Open the (already migrated) database at `path` for one request."""
    return open_store(path, migrate=False)


def build_app(config: Config, *, checks: CheckRunner | None = None) -> Starlette:
    """The UI over the configured database (migrated first); `checks` runs "check now"."""
    path = config.database.path
    open_store(path).close()
    return create_app(config, lambda: store_factory(path), checks=checks)


class UIServer(uvicorn.Server):
    """A uvicorn server that can leave signals to its host process (the daemon)."""

    def __init__(self, config: uvicorn.Config, *, own_signals: bool) -> None:
        super().__init__(config)
        self.own_signals = own_signals

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's own SIGINT/SIGTERM handling, unless the host process has its own."""
        if self.own_signals:
            with super().capture_signals():
                yield
        else:
            yield

    def request_exit(self) -> None:
        """Finish serving (what uvicorn does on SIGTERM)."""
        self.should_exit = True


def build_server(
    app: Starlette,
    config: Config,
    *,
    host: str | None = None,
    port: int | None = None,
    embedded: bool = False,
) -> UIServer:
    """A uvicorn server for `app` on the configured (or given) host and port.

    `embedded`: served inside another program's event loop (the daemon), which keeps its own
    signal handlers and its own logging configuration.
    """
    logging: dict[str, Any] = {"log_config": None} if embedded else {"log_level": "info"}
    settings = uvicorn.Config(
        app,
        host=host or config.web.host,
        port=config.web.port if port is None else port,
        proxy_headers=config.web.secure_cookies,
        server_header=False,
        lifespan="off",
        **logging,
    )
    return UIServer(settings, own_signals=not embedded)
