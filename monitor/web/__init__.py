"""The staff review web UI (Starlette + Jinja2): `create_app(config, store_factory)`."""

from __future__ import annotations

from monitor.web.app import create_app, feed_token

__all__ = ["create_app", "feed_token"]
