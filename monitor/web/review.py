"""The review desk's change set page: cards, recipients (and on which channels) and why they
match, the message preview, approve with a confirmed count, reject, suppress one change or every
pure renumbering at once, withdraw a queued message (the queue is `monitor.web.queue`).

Approving asks to confirm the number of messages, emails and chat-group messages together
(`confirm` must equal the count the server computes now; the page's dialog, or a confirmation
page without JavaScript, sends it). The preview is what `send` would deliver, rendered by the
same code (`monitor.review.messages`): for an email its HTML part, served in a sandboxed frame;
for a chat group the markdown its bot would post, part by part.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.config import EMAIL_CHANNEL, Config
from monitor.review import actions
from monitor.review.compose import load_context
from monitor.review.messages import preview_chat, preview_email
from monitor.web.auth import current_user, safe_next
from monitor.web.context import ctx, flash, render, request_store
from monitor.web.forms import (
    back,
    form_text,
    path_int,
    posted,
    query_int,
    record_action,
)
from notifications.card import document_card
from notifications.chat import PLATFORM_LABELS
from notifications.chat.markdown import ChatMessage
from notifications.explain import Audience, Recipient, audience
from parsers.records import (
    ChangeSetKind,
    ChangeSetRecord,
    ChangeSetState,
    OutboxItem,
    StoredChange,
)
from state.errors import ConflictError, NotFoundError
from state.store import Store

RENUMBER_REASON = "仅序号调整，条款内容未变"  # the bulk suppression's default reason
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
)


# -- one change set ---------------------------------------------------------------------------


def change_set(request: Request) -> Response:
    """One change set: its card or clause cards, who will receive it, on which channels and
    why, the message preview, the review actions (a bar that stays on screen), the audit."""
    cs_id = path_int(request, "cs_id")
    web = ctx(request)
    chat: ChatMessage | None = None
    with request_store(request) as store:
        record = store.get_change_set(cs_id)
        old = store.get_version(record.from_version_id) if record.from_version_id else None
        new = store.get_version(record.to_version_id) if record.to_version_id else None
        source = store.get_source_by_id(record.source_id) if record.source_id else None
        reviews = store.reviews(cs_id)
        outbox = store.list_outbox(change_set_id=cs_id)
        names = {p.id: p.name for p in store.list_subscribers()}
        context = load_context(store, record, now=web.clock())
        reach = audience(context, store.active_subscriptions(), channels=store.all_channels())
        chosen = _preview_choice(request, reach)
        if chosen is not None and chosen[1] != EMAIL_CHANNEL:
            chat = preview_chat(
                web.config,
                store,
                change_set_id=cs_id,
                subscriber=chosen[0].subscriber,
                cadence=chosen[0].route.cadence,
                channel=chosen[1],
                now=web.clock(),
            )
    pending = record.state is ChangeSetState.PENDING
    card = document_card(context) if record.kind is ChangeSetKind.NEW_DOCUMENT else None
    return render(
        request,
        "change_set.html.j2",
        cs=record,
        old=old,
        new=new,
        source=source,
        reviews=reviews,
        items=outbox,
        names=names,
        editable=pending,
        audience=reach,
        preview=chosen[0].subscriber.id if chosen else None,
        preview_channel=chosen[1] if chosen else None,
        chat_preview=chat,
        channel_label=lambda name, brief=False: channel_label(web.config, name, brief=brief),
        platform_titles=_titled(web.config, chosen[1] if chosen else None),
        card=card,
        stale=context.consultation_closed and pending,
        final_url=context.final_url,
        renumberings=actions.pure_renumberings(record),
        renumber_reason=RENUMBER_REASON,
    )


def channel_label(config: Config, name: str, *, brief: bool = False) -> str:
    """How a reviewer reads a channel: `邮件`, `钉钉群 acme-dingtalk`, or that the config file
    lacks it (`send` holds its messages until it is back; `brief`: for a count in a heading)."""
    if name == EMAIL_CHANNEL:
        return "邮件"
    found = config.channel(name)
    if found is None:
        return f"{name}（缺失）" if brief else f"{name}（配置文件中没有此渠道，发送时将暂缓）"
    platform = PLATFORM_LABELS.get(found.kind, found.kind)
    return f"{platform} {name}" if found.kind == "apprise" else f"{platform}群 {name}"


def _titled(config: Config, channel: str | None) -> bool:
    """True when the channel's platform shows the message's title (企业微信 has none)."""
    found = config.channel(channel) if channel else None
    return found is not None and found.kind != "wecom"


def _preview_choice(request: Request, audience: Audience) -> tuple[Recipient, str] | None:
    """The recipient and channel whose message the page previews: `?preview=ID&channel=NAME`,
    else that recipient's first channel, else the first recipient's."""
    wanted, channel = query_int(request, "preview"), request.query_params.get("channel")
    found = next((r for r in audience.recipients if r.subscriber.id == wanted), None)
    if found is None:
        if not audience.recipients:
            return None
        found = audience.recipients[0]
    return found, channel if channel in found.channels else found.channels[0]


def preview(request: Request) -> Response:
    """The HTML part of the email a recipient would get (sandboxed, for an iframe)."""
    cs_id, sub_id = path_int(request, "cs_id"), path_int(request, "sub_id")
    web = ctx(request)
    with request_store(request) as store:
        store.get_change_set(cs_id)
        reach = actions.change_set_audience(store, cs_id, now=web.clock())
        found = next((r for r in reach.recipients if r.subscriber.id == sub_id), None)
        if found is None or EMAIL_CHANNEL not in found.channels:
            raise NotFoundError(f"订阅者 {sub_id} 不会收到变更集 {cs_id} 的邮件")
        rendered = preview_email(
            web.config,
            store,
            change_set_id=cs_id,
            subscriber=found.subscriber,
            cadence=found.route.cadence,
            now=web.clock(),
        )
    return Response(
        rendered.html.encode("utf-8"),
        media_type="text/html; charset=utf-8",
        headers={"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"},
    )


def pending(store: Store, cs_id: int) -> ChangeSetRecord:
    """The change set, or ConflictError when it was already reviewed."""
    record = store.get_change_set(cs_id)
    if record.state is not ChangeSetState.PENDING:
        raise ConflictError(f"变更集 {cs_id} 已审核（{record.state.value}），不能再修改")
    return record


def _stored(record: ChangeSetRecord, change_id: int) -> StoredChange:
    for stored in record.changes:
        if stored.id == change_id:
            return stored
    raise NotFoundError(f"变更集 {record.id} 中没有变更 {change_id}")


def _edit_summary(request: Request, form: FormData) -> Response:
    cs_id, change_id = path_int(request, "cs_id"), path_int(request, "change_id")
    summary = form_text(form, "summary").replace("\n", " ")
    with request_store(request) as store, store.atomic():
        stored = _stored(pending(store, cs_id), change_id)
        if summary == stored.change.summary:
            summary = ""  # back to the differ's line
        store.update_change(change_id, summary_override=summary)
        record_action(
            request, store, cs_id, "edit_summary", change_id=change_id, detail=summary or None
        )
    flash(request, "摘要已更新")
    return back(f"/change-sets/{cs_id}#change-{change_id}")


def _suppress(request: Request, form: FormData) -> Response:
    cs_id, change_id = path_int(request, "cs_id"), path_int(request, "change_id")
    suppress = form_text(form, "suppress") != "0"
    reason = form_text(form, "reason")
    if suppress and not reason:
        flash(request, "屏蔽变更需要填写原因", "error")
        return back(f"/change-sets/{cs_id}#change-{change_id}")
    with request_store(request) as store, store.atomic():
        _stored(pending(store, cs_id), change_id)
        store.update_change(change_id, suppressed=suppress, suppress_reason=reason or None)
        action = "suppress" if suppress else "unsuppress"
        record_action(request, store, cs_id, action, change_id=change_id, detail=reason or None)
    flash(request, "已屏蔽该变更" if suppress else "已取消屏蔽")
    return back(f"/change-sets/{cs_id}#change-{change_id}")


def _suppress_renumberings(request: Request, form: FormData) -> Response:
    cs_id = path_int(request, "cs_id")
    reason = form_text(form, "reason")
    if not reason:
        flash(request, "批量屏蔽需要填写原因", "error")
        return back(f"/change-sets/{cs_id}")
    with request_store(request) as store, store.atomic():
        found = actions.pure_renumberings(pending(store, cs_id))
        for stored in found:
            store.update_change(stored.id, suppressed=True, suppress_reason=reason)
            record_action(request, store, cs_id, "suppress", change_id=stored.id, detail=reason)
    flash(request, f"已屏蔽 {len(found)} 项纯序号调整")
    return back(f"/change-sets/{cs_id}")


def _approve(request: Request, form: FormData) -> Response:
    cs_id = path_int(request, "cs_id")
    web = ctx(request)
    notify = form_text(form, "notify") != "0"
    with request_store(request) as store:
        record = pending(store, cs_id)
        reach = actions.change_set_audience(store, cs_id, now=web.clock())
        count = reach.messages if notify else 0
        if form_text(form, "confirm") != str(count):
            # The count is what is confirmed: asked again when it is missing or out of date.
            return render(
                request, "confirm_approve.html.j2", cs=record, audience=reach, notify=notify
            )
        actions.approve_change_set(
            store,
            cs_id,
            actor=current_user(request).name,
            now=web.clock(),
            config=web.config,
            notify=notify,
        )
        queued = store.list_outbox(change_set_id=cs_id)
    flash(request, queued_line(queued) if notify else "已批准（不通知订阅者）")
    return back(f"/change-sets/{cs_id}")


def queued_line(rows: list[OutboxItem]) -> str:
    """`已批准，已排队 3 封通知邮件`, or with chat groups `已排队 4 条通知（3 封邮件、1 条群消息）`."""
    emails = sum(r.channel == EMAIL_CHANNEL for r in rows)
    if emails == len(rows):
        return f"已批准，已排队 {emails} 封通知邮件"
    return f"已批准，已排队 {len(rows)} 条通知（{emails} 封邮件、{len(rows) - emails} 条群消息）"


def _reject(request: Request, form: FormData) -> Response:
    cs_id = path_int(request, "cs_id")
    reason = form_text(form, "reason")
    if not reason:
        flash(request, "驳回需要填写原因", "error")
        return back(f"/change-sets/{cs_id}")
    with request_store(request) as store:
        pending(store, cs_id)
        actions.reject_change_set(
            store, cs_id, actor=current_user(request).name, reason=reason, now=ctx(request).clock()
        )
    flash(request, "已驳回该变更集")
    return back(f"/change-sets/{cs_id}")


def _withdraw(request: Request, form: FormData) -> Response:
    item_id = path_int(request, "item_id")
    target = safe_next(form_text(form, "next"), "/outbox")
    with request_store(request) as store, store.atomic():
        item = store.get_outbox(item_id)
        if item is None:
            raise NotFoundError(f"没有邮件 {item_id}")
        reason = f"withdrawn by {current_user(request).name}"
        if not store.withdraw_outbox(item_id, reason=reason):
            raise ConflictError(f"邮件 {item_id} 已在发送或已发送（{item.state.value}），无法撤回")
        record_action(request, store, item.change_set_id, "withdraw", detail=f"outbox {item_id}")
    flash(request, f"已撤回邮件 #{item_id}")
    return back(target)


routes: list[BaseRoute] = [
    Route("/change-sets/{cs_id:int}", change_set, methods=["GET"]),
    Route("/change-sets/{cs_id:int}/preview/{sub_id:int}", preview, methods=["GET"]),
    Route("/change-sets/{cs_id:int}/approve", posted(_approve), methods=["POST"]),
    Route("/change-sets/{cs_id:int}/reject", posted(_reject), methods=["POST"]),
    Route(
        "/change-sets/{cs_id:int}/suppress-renumberings",
        posted(_suppress_renumberings),
        methods=["POST"],
    ),
    Route(
        "/change-sets/{cs_id:int}/changes/{change_id:int}/summary",
        posted(_edit_summary),
        methods=["POST"],
    ),
    Route(
        "/change-sets/{cs_id:int}/changes/{change_id:int}/suppress",
        posted(_suppress),
        methods=["POST"],
    ),
    Route("/outbox/{item_id:int}/withdraw", posted(_withdraw), methods=["POST"]),
]
