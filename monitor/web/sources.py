"""Sources in the review UI: the list with each one's health and baseline, a page per source
(settings, recent attempts with statuses and errors, the documents it found), and for
administrators: add, edit, enable/disable a source, switch auto-approve, "check now".

Sources the config file defines are shown read-only (the file is their source of truth, see
`monitor.catalog`); sources added here are stored in the database and validated exactly as
the file's `[[source]]` tables are.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.catalog import UI_ORIGIN, CatalogEntry, catalog, settings_json
from monitor.config import format_duration, source_from_table, source_kinds
from monitor.errors import ConfigError
from monitor.sources import SourceConfig
from monitor.web.context import ctx, flash, render, request_store
from monitor.web.forms import back, form_text, path_int, posted, record_action, require_admin
from monitor.web.templating import zh_duration
from parsers.records import SourceRecord
from state.errors import ConflictError
from state.store import Store

_SPLIT = re.compile(r"[\n,，、;；]+")
ATTEMPTS_SHOWN = 50
_INTS = ("max_pages", "max_items")


def _entry(request: Request, store: Store, source_id: int) -> CatalogEntry:
    record = store.get_source_by_id(source_id)
    for entry in catalog(ctx(request).config, store):
        if entry.record is not None and entry.record.id == record.id:
            return entry
    return CatalogEntry(source=None, record=record, origin=record.origin, problem=None)


def sources(request: Request) -> Response:
    """Every source with its origin, health and baseline."""
    checks = ctx(request).checks
    with request_store(request) as store:
        entries = catalog(ctx(request).config, store)
        health = {
            e.record.id: store.source_health(e.record) for e in entries if e.record is not None
        }
    running = {e.name for e in entries if checks is not None and checks.running(e.name)}
    return render(request, "sources.html.j2", entries=entries, health=health, running=running)


def source_page(request: Request) -> Response:
    """One source: settings, baseline, recent attempts, documents found, change sets."""
    source_id = path_int(request, "source_id")
    checks = ctx(request).checks
    with request_store(request) as store:
        entry = _entry(request, store, source_id)
        record = store.get_source_by_id(source_id)
        health = store.source_health(record)
        attempts = store.attempts(source_id, limit=ATTEMPTS_SHOWN)
        documents = store.documents_of_source(source_id)
        sets = store.list_change_sets(source_id=source_id, limit=50)
    running = checks is not None and checks.running(record.name)
    return render(
        request,
        "source.html.j2",
        entry=entry,
        source=record,
        settings=_settings_rows(entry.source),
        health=health,
        attempts=attempts,
        documents=documents,
        sets=sets,
        running=running,
        can_check=checks is not None and entry.source is not None,
    )


def _settings_rows(source: SourceConfig | None) -> list[tuple[str, str]]:
    if source is None:
        return []
    rows = [
        ("类型", source.kind),
        ("地址", source.url),
        (
            "检查频率",
            f"cron {source.cron}（北京时间）" if source.cron else f"每 {zh_duration(source.every)}",
        ),
        ("关键词", "、".join(source.keywords) or "（全部）"),
        ("基线窗口", f"首次检查时，{zh_duration(source.baseline_recent)}内发布的文件按新文件送审"),
        ("附件", "读取" if source.attachments else "不读取"),
        ("状态", "启用" if source.enabled else "已停用"),
    ]
    if source.kind in ("html-list", "postmeta", "gkmlpt"):
        rows.insert(4, ("分页/条目上限", f"{source.max_pages} 页 / {source.max_items} 条"))
    if source.selectors:
        rows.insert(4, ("选择器", "、".join(source.selectors)))
    return rows


# -- add / edit -------------------------------------------------------------------------------


def _table(form: FormData, *, name: str) -> dict[str, Any]:
    """The `[[source]]` table a form describes (values as the TOML file would write them)."""
    table: dict[str, Any] = {
        "name": name,
        "kind": form_text(form, "kind"),
        "url": form_text(form, "url"),
        "every": form_text(form, "every") or "30m",
        "baseline_recent": form_text(form, "baseline_recent") or "14d",
        "keywords": [k.strip() for k in _SPLIT.split(form_text(form, "keywords")) if k.strip()],
        "selectors": [k.strip() for k in form_text(form, "selectors").split("\n") if k.strip()],
        "attachments": form.get("attachments") == "1",
        "enabled": form.get("enabled") == "1",
    }
    cron = form_text(form, "cron")
    if cron:
        table["cron"] = cron
    for key in _INTS:
        raw = form_text(form, key)
        if raw:
            if not raw.isdigit() or len(raw) > 6:
                raise ConfigError(f"source.{key}: expected a whole number, got {raw!r}")
            table[key] = int(raw)
    return table


def _form_values(source: SourceConfig | None) -> dict[str, Any]:
    if source is None:
        return {
            "name": "",
            "kind": "html-list",
            "url": "",
            "every": "30m",
            "cron": "",
            "baseline_recent": "14d",
            "keywords": "",
            "selectors": "",
            "max_pages": 3,
            "max_items": 50,
            "attachments": True,
            "enabled": True,
        }
    return {
        "name": source.name,
        "kind": source.kind,
        "url": source.url,
        "every": format_duration(source.every),
        "cron": source.cron or "",
        "baseline_recent": format_duration(source.baseline_recent),
        "keywords": "\n".join(source.keywords),
        "selectors": "\n".join(source.selectors),
        "max_pages": source.max_pages,
        "max_items": source.max_items,
        "attachments": source.attachments,
        "enabled": source.enabled,
    }


def _posted_values(form: FormData, name: str) -> dict[str, Any]:
    """What the user typed, to show again with an error."""
    text = ("kind", "url", "every", "cron", "baseline_recent", "keywords", "selectors")
    values: dict[str, Any] = {key: form_text(form, key) for key in (*text, *_INTS)}
    values.update(
        name=name,
        attachments=form.get("attachments") == "1",
        enabled=form.get("enabled") == "1",
    )
    return values


def _form(request: Request, *, action: str, values: dict[str, Any], error: str = "") -> Response:
    return render(
        request,
        "source_form.html.j2",
        status_code=400 if error else 200,
        action=action,
        values=values,
        kinds=source_kinds(),
        error=error,
        editing=action != "/sources/new",
    )


def new_source(request: Request) -> Response:
    """The form to add a source (administrators)."""
    require_admin(request)
    return _form(request, action="/sources/new", values=_form_values(None))


def _validated(request: Request, form: FormData, name: str) -> SourceConfig | str:
    """The source the form describes, or the error message to show with the form."""
    try:
        table = _table(form, name=name)
        return source_from_table(table, ctx(request).config.fetch, where="表单")
    except ConfigError as exc:
        return f"设置无效：{exc.format_message()}"


def _add(request: Request, form: FormData) -> Response:
    require_admin(request)
    name = form_text(form, "name")[:80]
    found = _validated(request, form, name)
    values = _posted_values(form, name)
    if isinstance(found, str):
        return _form(request, action="/sources/new", values=values, error=found)
    if name in ctx(request).config.source_names:
        error = f"配置文件中已有名为 {name} 的来源"
        return _form(request, action="/sources/new", values=values, error=error)
    with request_store(request) as store:
        try:
            record = store.add_ui_source(
                name=name,
                kind=found.kind,
                url=found.url,
                settings=settings_json(_table(form, name=name)),
                now=ctx(request).clock(),
            )
        except ConflictError:
            error = f"已有名为 {name} 的来源"
            return _form(request, action="/sources/new", values=values, error=error)
        record_action(request, store, None, "source_add", detail=f"{name}: {found.url}")
    flash(request, f"已添加来源 {name}")
    return back(f"/sources/{record.id}")


def _editable(request: Request, store: Store, source_id: int) -> SourceRecord:
    require_admin(request)
    record = store.get_source_by_id(source_id)
    if record.origin != UI_ORIGIN:
        raise ConflictError(f"来源 {record.name} 在配置文件中定义，请修改 policywatch.toml")
    return record


def edit_source(request: Request) -> Response:
    """The form to change a source added in the UI (administrators)."""
    source_id = path_int(request, "source_id")
    with request_store(request) as store:
        _editable(request, store, source_id)
        entry = _entry(request, store, source_id)
    return _form(request, action=f"/sources/{source_id}/edit", values=_form_values(entry.source))


def _edit(request: Request, form: FormData) -> Response:
    source_id = path_int(request, "source_id")
    with request_store(request) as store:
        record = _editable(request, store, source_id)
        found = _validated(request, form, record.name)
        if isinstance(found, str):
            values = _posted_values(form, record.name)
            return _form(request, action=f"/sources/{source_id}/edit", values=values, error=found)
        with store.atomic():
            table = _table(form, name=record.name)
            store.update_ui_source(
                source_id, kind=found.kind, url=found.url, settings=settings_json(table)
            )
            record_action(request, store, None, "source_edit", detail=f"{record.name}: {found.url}")
    flash(request, f"来源 {record.name} 已更新")
    return back(f"/sources/{source_id}")


def _enabled(request: Request, form: FormData) -> Response:
    source_id = path_int(request, "source_id")
    on = form_text(form, "enabled") == "1"
    with request_store(request) as store, store.atomic():
        record = _editable(request, store, source_id)
        table = json.loads(record.settings or "{}")
        table["enabled"] = on
        store.update_ui_source(
            source_id, kind=record.kind, url=record.url, settings=settings_json(table)
        )
        action = "source_enable" if on else "source_disable"
        record_action(request, store, None, action, detail=record.name)
    flash(request, f"来源 {record.name} 已{'启用' if on else '停用'}")
    return back(f"/sources/{source_id}")


def _check_now(request: Request, form: FormData) -> Response:
    require_admin(request)
    source_id = path_int(request, "source_id")
    checks = ctx(request).checks
    with request_store(request) as store:
        entry = _entry(request, store, source_id)
        if entry.source is None:
            raise ConflictError(f"来源 {entry.name} 无法检查：{entry.problem}")
        if checks is None:
            raise HTTPException(409)
        started = checks.start(entry.name)
        if started:
            record_action(request, store, None, "source_check", detail=entry.name)
    flash(request, "已开始检查，结果稍后显示在下方" if started else "该来源正在检查中")
    return back(f"/sources/{source_id}")


def _auto_approve(request: Request, form: FormData) -> Response:
    require_admin(request)
    source_id = path_int(request, "source_id")
    on = form_text(form, "auto_approve") == "1"
    with request_store(request) as store, store.atomic():
        source = store.get_source_by_id(source_id)
        store.set_source_auto_approve(source_id, auto_approve=on)
        record_action(request, store, None, "source_auto_approve", detail=f"{source.name}: {on}")
    flash(request, f"来源 {source.name} 已{'开启' if on else '关闭'}自动批准")
    target = form_text(form, "next")
    return back(f"/sources/{source_id}" if target == "source" else "/sources")


routes: list[BaseRoute] = [
    Route("/sources", sources, methods=["GET"]),
    Route("/sources/new", new_source, methods=["GET"]),
    Route("/sources/new", posted(_add), methods=["POST"]),
    Route("/sources/{source_id:int}", source_page, methods=["GET"]),
    Route("/sources/{source_id:int}/edit", edit_source, methods=["GET"]),
    Route("/sources/{source_id:int}/edit", posted(_edit), methods=["POST"]),
    Route("/sources/{source_id:int}/enabled", posted(_enabled), methods=["POST"]),
    Route("/sources/{source_id:int}/check", posted(_check_now), methods=["POST"]),
    Route("/sources/{source_id:int}/auto-approve", posted(_auto_approve), methods=["POST"]),
]
