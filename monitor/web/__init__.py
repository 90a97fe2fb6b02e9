"""The staff review web UI (Starlette + Jinja2): `monitor.web.app.create_app(config, store_factory)`,
served by `monitor.web.server.build_server`."""

from __future__ import annotations
