"""The staff review web UI (Starlette + Jinja2): `monitor.web.app.create_app(config, store_factory)`,
served by `monitor.web.server.build_server`.

Every `{name:int}` in a route path is a row id, so the `int` convertor is narrowed here, before
any route module compiles its paths: at most 18 digits (SQLite's integers stop at 2**63 - 1).
A longer number matches no route, a 404, instead of an OverflowError from SQLite, a 500.
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor


class RowIdConvertor(IntegerConvertor):
    """`{name:int}`: an id SQLite can hold."""

    regex = "[0-9]{1,18}"


register_url_convertor("int", RowIdConvertor())
