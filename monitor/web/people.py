"""Pages for subscribers, their subscriptions, and the outbox (delivery status).

Everyone logged in can read them; only administrators add, edit or deactivate subscribers.
"""

from __future__ import annotations

import re

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.web.context import ctx, flash, render, request_store
from monitor.web.forms import back, form_text, path_int, posted, record_action, require_admin
from parsers.records import Cadence, OutboxState, Subscriber, Subscription

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_SPLIT = re.compile(r"[,，、;；\s]+")


def _list(form: FormData, name: str) -> tuple[str, ...]:
    return tuple(p for p in _SPLIT.split(form_text(form, name)) if p)


def _subscription(form: FormData) -> Subscription:
    raw_cadence = form_text(form, "cadence") or Cadence.IMMEDIATE.value
    severity = form_text(form, "min_severity")
    return Subscription(
        topics=_list(form, "topics"),
        keywords=_list(form, "keywords"),
        sources=_list(form, "sources"),
        documents=tuple(int(p) for p in _list(form, "documents") if p.isdigit()),
        min_severity=int(severity) if severity.isdigit() else 0,
        cadence=Cadence(raw_cadence) if raw_cadence in set(Cadence) else Cadence.IMMEDIATE,
    )


def subscribers(request: Request) -> Response:
    """Every subscriber with their subscriptions and channels, and (for admins) the add form."""
    with request_store(request) as store:
        people = [(p, store.subscriptions_of(p.id or 0)) for p in store.list_subscribers()]
        channels = store.all_channels()
    return render(request, "subscribers.html.j2", people=people, channels=channels)


def _channel_choices(request: Request) -> list[tuple[str, str]]:
    """(name, label) of every channel a subscriber may have: email and each [[channel]]."""
    config = ctx(request).config
    return [
        ("email", "邮件"),
        *((c.name, f"{c.name}（{_KINDS[c.kind]}）") for c in config.channels),
    ]


_KINDS = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "apprise": "Apprise"}


def subscriber(request: Request) -> Response:
    """One subscriber: edit form, subscriptions, channels, and their outbox rows."""
    sub_id = path_int(request, "sub_id")
    with request_store(request) as store:
        person = store.get_subscriber(sub_id)
        subs = store.subscriptions_of(sub_id)
        mine = store.channels_of(sub_id)
        items = [i for i in store.list_outbox(limit=200) if i.subscriber_id == sub_id]
    choices = _channel_choices(request)
    labels = dict(choices)
    return render(
        request,
        "subscriber.html.j2",
        person=person,
        subs=subs,
        items=items,
        mine=[(name, labels.get(name, f"{name}（配置中已不存在）")) for name in mine],
        addable=[(name, label) for name, label in choices if name not in mine],
    )


def _add_channel(request: Request, form: FormData) -> Response:
    require_admin(request)
    sub_id = path_int(request, "sub_id")
    name = form_text(form, "channel")
    if name not in dict(_channel_choices(request)):
        flash(request, "未知的接收渠道", "error")
        return back(f"/subscribers/{sub_id}")
    with request_store(request) as store, store.atomic():
        store.get_subscriber(sub_id)
        store.add_channel(sub_id, name)
        record_action(request, store, None, "channel_add", detail=f"#{sub_id} {name}")
    flash(request, f"已添加接收渠道 {name}")
    return back(f"/subscribers/{sub_id}")


def _remove_channel(request: Request, form: FormData) -> Response:
    require_admin(request)
    sub_id = path_int(request, "sub_id")
    name = form_text(form, "channel")
    with request_store(request) as store, store.atomic():
        removed = store.remove_channel(sub_id, name)
        if removed:
            record_action(request, store, None, "channel_remove", detail=f"#{sub_id} {name}")
    flash(request, f"已移除接收渠道 {name}" if removed else "该订阅者没有这个渠道")
    return back(f"/subscribers/{sub_id}")


def _identity(form: FormData) -> tuple[str, str, str | None] | str:
    name, email, company = (
        form_text(form, "name"),
        form_text(form, "email"),
        form_text(form, "company"),
    )
    if not name:
        return "请填写姓名"
    if not _EMAIL.match(email):
        return "邮箱地址无效"
    return name, email, company or None


def _add(request: Request, form: FormData) -> Response:
    require_admin(request)
    found = _identity(form)
    if isinstance(found, str):
        flash(request, found, "error")
        return back("/subscribers")
    name, email, company = found
    now = ctx(request).clock()
    with request_store(request) as store, store.atomic():
        person = Subscriber(name=name, email=email, company=company)
        sub_id = store.add_subscriber(person, [_subscription(form)], now=now)
        record_action(request, store, None, "subscriber_add", detail=f"#{sub_id} {name} <{email}>")
    flash(request, f"已新增订阅者 {name}")
    return back(f"/subscribers/{sub_id}")


def _edit(request: Request, form: FormData) -> Response:
    require_admin(request)
    sub_id = path_int(request, "sub_id")
    found = _identity(form)
    if isinstance(found, str):
        flash(request, found, "error")
        return back(f"/subscribers/{sub_id}")
    name, email, company = found
    with request_store(request) as store, store.atomic():
        store.update_subscriber(sub_id, name=name, email=email, company=company)
        record_action(request, store, None, "subscriber_edit", detail=f"#{sub_id} {name} <{email}>")
    flash(request, "订阅者信息已保存")
    return back(f"/subscribers/{sub_id}")


def _active(request: Request, form: FormData) -> Response:
    require_admin(request)
    sub_id = path_int(request, "sub_id")
    active = form_text(form, "active") == "1"
    with request_store(request) as store, store.atomic():
        store.set_subscriber_active(sub_id, active=active)
        action = "subscriber_activate" if active else "subscriber_deactivate"
        record_action(request, store, None, action, detail=f"#{sub_id}")
    flash(request, "订阅者已启用" if active else "订阅者已停用")
    return back(f"/subscribers/{sub_id}")


def _add_subscription(request: Request, form: FormData) -> Response:
    require_admin(request)
    sub_id = path_int(request, "sub_id")
    with request_store(request) as store, store.atomic():
        new_id = store.add_subscription(sub_id, _subscription(form))
        record_action(request, store, None, "subscription_add", detail=f"#{sub_id} 订阅 {new_id}")
    flash(request, "已新增订阅")
    return back(f"/subscribers/{sub_id}")


def _delete_subscription(request: Request, form: FormData) -> Response:
    require_admin(request)
    subscription_id = path_int(request, "subscription_id")
    with request_store(request) as store, store.atomic():
        owner = store.subscription_owner(subscription_id)
        store.delete_subscription(subscription_id)
        record_action(
            request, store, None, "subscription_delete", detail=f"#{owner} 订阅 {subscription_id}"
        )
    flash(request, "已删除订阅")
    return back(f"/subscribers/{owner}")


def outbox(request: Request) -> Response:
    """Outbox rows (newest first, optionally of one state) with counts by state."""
    raw = request.query_params.get("state", "")
    state = OutboxState(raw) if raw in set(OutboxState) else None
    with request_store(request) as store:
        items = store.list_outbox(state=state, limit=500)
        counts = store.outbox_counts()
        names = {p.id: p.name for p in store.list_subscribers()}
    return render(request, "outbox.html.j2", items=items, counts=counts, names=names, state=state)


routes: list[BaseRoute] = [
    Route("/subscribers", subscribers, methods=["GET"]),
    Route("/subscribers", posted(_add), methods=["POST"]),
    Route("/subscribers/{sub_id:int}", subscriber, methods=["GET"]),
    Route("/subscribers/{sub_id:int}", posted(_edit), methods=["POST"]),
    Route("/subscribers/{sub_id:int}/active", posted(_active), methods=["POST"]),
    Route("/subscribers/{sub_id:int}/subscriptions", posted(_add_subscription), methods=["POST"]),
    Route("/subscribers/{sub_id:int}/channels", posted(_add_channel), methods=["POST"]),
    Route("/subscribers/{sub_id:int}/channels/remove", posted(_remove_channel), methods=["POST"]),
    Route(
        "/subscriptions/{subscription_id:int}/delete",
        posted(_delete_subscription),
        methods=["POST"],
    ),
    Route("/outbox", outbox, methods=["GET"]),
]
