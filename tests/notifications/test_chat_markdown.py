"""Chat markdown: document text made inert, messages split at lines within the byte limit,
cut with the link to the full change set beyond `max_parts`; signatures as the platforms sign."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path
from typing import Any

import parsers
from notifications.card import DocumentCard, OutlineEntry, channel_view, document_card
from notifications.chat import redact, webhook_problem
from notifications.chat.bots import ChatBot, dingtalk_sign, feishu_sign
from notifications.chat.markdown import (
    DIALECTS,
    MAX_OUTLINE,
    Dialect,
    card_lines,
    chat_message,
    reminder_message,
    split,
    text,
)
from notifications.model import ChangeSetContext
from notifications.render import Branding, EmailView, PolicyView
from parsers.model import DocumentDiff, FeedbackChannel, Status
from parsers.records import ChangeSetKind, ChangeSetRecord, ChangeSetState


def test_document_text_cannot_inject_markup() -> None:
    evil = '[点我](javascript:alert(1)) <font color="warning">**急**</font>\n# 标题'
    safe = text(evil)
    assert "[" not in safe and "<" not in safe and "*" not in safe and "\n" not in safe
    assert "点我" in safe and "急" in safe


def test_split_keeps_every_line_under_the_limit_and_numbers_the_parts() -> None:
    dialect = Dialect(limit=300)
    lines = [f"- 第{n}条：" + "资金" * 20 for n in range(12)]
    message = split(
        "标题", lines, ["[完整对照](https://pw.example/report/x)"], dialect, max_parts=9
    )
    assert not message.truncated and len(message.parts) > 1
    assert all(len(p.encode()) <= 300 for p in message.parts)
    assert message.parts[1].startswith(f"（续2/{len(message.parts)}）")
    joined = "\n".join(message.parts)
    assert all(line in joined for line in lines)  # nothing lost, nothing doubled
    assert sum(joined.count(line) for line in lines) == len(lines)
    assert message.parts[-1].endswith("(https://pw.example/report/x)")


def test_beyond_max_parts_the_last_part_says_what_is_left_and_links() -> None:
    dialect = Dialect(limit=300)
    lines = [f"- 第{n}条：" + "资金" * 20 for n in range(40)]
    message = split("标题", lines, ["[完整对照](https://pw.example/r)"], dialect, max_parts=2)
    assert message.truncated and len(message.parts) == 2
    assert all(len(p.encode()) <= 300 for p in message.parts)
    last = message.parts[-1]
    assert "行未显示" in last and last.endswith("(https://pw.example/r)")
    shown = sum(("\n".join(message.parts)).count(line) for line in lines)
    assert f"另有{40 - shown}行未显示" in last


def test_signatures_match_the_platforms_documented_algorithms() -> None:
    secret, ms = "SECxyz", 1_700_000_000_000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert dingtalk_sign(secret, ms) == expected
    key = f"{ms // 1000}\n{secret}".encode()
    assert (
        feishu_sign(secret, ms // 1000)
        == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    )


def test_webhook_urls_are_checked_and_redacted() -> None:
    good = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    assert webhook_problem("dingtalk", good) is None
    assert "access_token" in (
        webhook_problem("dingtalk", "https://oapi.dingtalk.com/robot/send") or ""
    )
    assert "https" in (webhook_problem("wecom", "http://qyapi.weixin.qq.com/x?key=k") or "")
    assert webhook_problem("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=k") is None
    assert webhook_problem("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/id") is None
    assert webhook_problem("apprise", "tgram://bottoken/ChatID") is None
    assert webhook_problem("apprise", "not a url") is not None
    assert redact(good) == "https://oapi.dingtalk.com" and "abc" not in redact(good)


# -- the new-document card and the reminder in chat ------------------------------------------

EVIL = '[点我](javascript:alert(1)) <font color="warning">**急**</font> `x` # h'
TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"
PAGE = "https://gxj.sz.gov.cn/xxgk/xxgkml/qt/tzgg/content/post_9886501.html"
DOCX = "https://gxj.sz.gov.cn/attachment/0/98/98865/9886501.docx"
FINAL = "https://gxj.sz.gov.cn/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"


def _draft_card(**kw: object) -> DocumentCard:
    """The card of the real draft (its notice page and DOCX), as of 2022-06-21."""
    draft = parsers.parse_path(TEXTS / "seed-article.txt")
    draft = dataclasses.replace(
        draft, status=Status.DRAFT, comment_deadline=dt.date(2022, 7, 20), doc_number=None
    )
    record = ChangeSetRecord(
        id=1,
        document_id=1,
        document_title=draft.title or "",
        from_version_id=None,
        to_version_id=1,
        source_id=None,
        kind=ChangeSetKind.NEW_DOCUMENT,
        state=ChangeSetState.PENDING,
        detected_at=dt.datetime(2022, 6, 20, 2, tzinfo=dt.UTC),
        diff=DocumentDiff(),
    )
    values: dict[str, Any] = {"url": DOCX, "notice_url": PAGE, "today": dt.date(2022, 6, 21)}
    values.update(kw)
    card = document_card(ChangeSetContext(change_set=record, new=draft, **values))
    assert card is not None
    return card


def _lines(card: DocumentCard) -> str:
    return "\n".join(card_lines(card))


def test_an_open_drafts_card_says_deadline_links_how_to_comment_and_outline() -> None:
    card = dataclasses.replace(
        _draft_card(),
        feedback=(
            channel_view(FeedbackChannel(kind="email", value="zjtx@gxj.sz.gov.cn")),
            channel_view(FeedbackChannel(kind="post", value="深圳市福田区", postcode="518035")),
            channel_view(FeedbackChannel(kind="online", value="https://yjzj.sz.gov.cn/x")),
        ),
    )
    said = _lines(card)
    assert said.splitlines()[0] == "**征求意见中：2022年7月20日截止（还有29天）**"
    assert "状态：征求意见稿 · 文号：征求意见稿尚未编号" in said
    assert f"[通知原文]({PAGE})" in said and f"[文件下载]({DOCX})" in said
    assert (
        "- 电子邮件：zjtx@gxj.sz.gov.cn" in said and "- 信函：深圳市福田区（邮编 518035）" in said
    )
    assert "- 网上提交：[https://yjzj.sz.gov.cn/x](https://yjzj.sz.gov.cn/x)" in said
    parts = len(card.outline)
    assert f"文件结构：{parts} 部分、共 {card.clauses - parts} 条" in said
    assert f"- 一、{card.outline[0].heading}（{card.outline[0].clauses}条）" in said


def test_the_card_says_where_a_closed_consultation_stands_and_asks_for_nothing() -> None:
    final = _lines(_draft_card(final_url=FINAL))
    assert f"**征求意见已结束：正式稿已发布**，[查看正式稿]({FINAL})" in final
    closed = _lines(_draft_card(today=dt.date(2022, 7, 21)))
    assert "**征求意见已结束**（2022年7月20日截止），不再接受反馈。" in closed
    for said in (final, closed):
        assert "征求意见中" not in said and "如何反馈意见" not in said
    last_day = _lines(_draft_card(today=dt.date(2022, 7, 20)))
    assert "**征求意见中：2022年7月20日截止（今天截止）**" in last_day


def test_a_cards_document_text_cannot_inject_markup_or_links() -> None:
    card = dataclasses.replace(
        _draft_card(),
        title=EVIL,
        doc_number=EVIL,
        issuer=EVIL,
        effective=EVIL,
        outline=(OutlineEntry(label="一、", heading=EVIL, clauses=1),),
        amounts=(EVIL,),
        units=(EVIL,),
        feedback=(
            channel_view(FeedbackChannel(kind="email", value=EVIL, note=EVIL)),
            channel_view(FeedbackChannel(kind="online", value="javascript:alert(1)")),
        ),
        page_url="javascript:alert(1)",
    )
    said = _lines(card) + "\n".join(
        reminder_message(card, EVIL, DIALECTS["dingtalk"], branding=Branding()).parts
    )
    assert "[点我]" not in said and "［点我］" in said
    assert "<font" not in said and "`" not in said and "\n#" not in said
    assert re.findall(r"\]\(([^)]*)\)", said) == [DOCX, DOCX]  # only the card's real file link
    assert "**急**" not in said and "＊＊急＊＊" in said


def test_a_card_with_a_long_outline_fits_wecom_and_counts_what_it_leaves_out() -> None:
    long = tuple(OutlineEntry(label=f"{n}、", heading="章" * 40, clauses=3) for n in range(60))
    card = dataclasses.replace(_draft_card(), outline=long)
    assert f"- ……另有{60 - MAX_OUTLINE}部分" in _lines(card)
    policy = PolicyView(
        title=card.title,
        label="新政策征求意见",
        url=None,
        old_url=None,
        doc_number=None,
        deadline=None,
        notes=(),
        changes=(),
        card=card,
    )
    view = EmailView(name="群", heading="h", policies=(policy,), unsubscribe_url="", digest=False)
    message = chat_message(view, "标题", DIALECTS["wecom"])
    assert all(len(part.encode()) <= 4096 for part in message.parts)
    assert "征求意见中" in message.parts[0] and "/report/" not in "".join(message.parts)


def test_the_reminder_says_deadline_days_left_how_to_submit_and_links() -> None:
    card = dataclasses.replace(
        _draft_card(today=dt.date(2022, 7, 17)),
        feedback=(channel_view(FeedbackChannel(kind="fax", value="0755-88107000")),),
    )
    brand = Branding(organisation="华南政策咨询")
    message = reminder_message(card, "【征求意见即将截止】x", DIALECTS["dingtalk"], branding=brand)
    (said,) = message.parts
    lines = said.split("  \n")
    assert lines[0].startswith("### 【征求意见即将截止】")
    assert lines[1] == "**意见反馈截止日期：2022年7月20日（还有3天）**"
    assert "- 传真：0755-88107000" in lines and f"[征求意见稿下载]({DOCX})" in lines
    assert lines[-1] == "本消息由华南政策咨询自动发送，内容以原文为准。"
    none = reminder_message(
        dataclasses.replace(card, feedback=()), "t", DIALECTS["feishu"], branding=brand
    )
    assert "通知未列明反馈方式，请按通知原文的要求提交意见。" in none.parts[0]
    assert not none.parts[0].startswith("#")  # 飞书: the card header carries the title


def test_each_bot_posts_in_the_dialect_the_review_desk_previews_in() -> None:
    assert {kind: bot.dialect for kind, bot in ChatBot.registry.items()} == DIALECTS
