"""The new-document card (UI and first email) and the recipients' reasons, on real documents."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import parsers
from notifications.card import document_card, outline
from notifications.explain import audience
from notifications.model import ChangeSetContext
from notifications.reminder import render_reminder
from notifications.render import Branding, EmailView, policy_view, render_email
from parsers.model import DocumentDiff, FeedbackChannel, Status
from parsers.records import (
    Cadence,
    ChangeSetKind,
    ChangeSetRecord,
    ChangeSetState,
    Subscriber,
    Subscription,
)

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"
FINAL_URL = "http://gxj.sz.gov.cn/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"


def _new_document(doc: parsers.model.PolicyDocument, **kw: object) -> ChangeSetContext:
    record = ChangeSetRecord(
        id=7,
        document_id=1,
        document_title=doc.title or "",
        from_version_id=None,
        to_version_id=1,
        source_id=None,
        kind=ChangeSetKind.NEW_DOCUMENT,
        state=ChangeSetState.PENDING,
        detected_at=dt.datetime(2022, 12, 30, 2, 30, tzinfo=dt.UTC),
        diff=DocumentDiff(),
    )
    return ChangeSetContext(change_set=record, new=doc, url=FINAL_URL, **kw)  # type: ignore[arg-type]


def test_a_finals_card_has_its_number_dates_outline_figures_and_units() -> None:
    final = parsers.parse_path(TEXTS / "zjtx-final-a.txt")
    card = document_card(_new_document(final, today=dt.date(2022, 12, 30)))
    assert card is not None
    assert card.doc_number == "深工信规〔2022〕9号"
    assert card.status == "正式稿" and card.consultation == "none"
    assert card.effective == final.effective and card.effective
    assert [(p.label, p.clauses) for p in card.outline][:2] == [("一、", 2), ("二、", 5)]
    assert sum(p.clauses for p in card.outline) + len(card.outline) == card.clauses
    assert "（九）50万元" in card.amounts
    assert card.units[0] == "市工业和信息化局"  # named most often
    assert (card.page_url, card.file_url) == (FINAL_URL, None)
    html = render_email(
        "s",
        EmailView(
            name="李总",
            heading="h",
            policies=(policy_view(_new_document(final), ()),),
            unsubscribe_url="https://pw.example/u",
            digest=False,
        ),
    ).html
    assert "深工信规〔2022〕9号" in html and "一、加大财税支持力度" in html


def test_a_flat_document_has_no_outline_and_files_are_links_of_their_own() -> None:
    doc = parsers.parse_text("某办法\n第一条 为了规范。\n第二条 本办法自发布之日起施行。")
    assert outline(doc) == ()
    ctx = _new_document(doc)
    docx = ChangeSetContext(change_set=ctx.change_set, new=doc, url="http://a.gov.cn/f.docx")
    card = document_card(docx)
    assert card is not None and (card.page_url, card.file_url) == (None, "http://a.gov.cn/f.docx")
    unsafe = ChangeSetContext(change_set=ctx.change_set, new=doc, url="javascript:alert(1)")
    card = document_card(unsafe)
    assert card is not None and card.page_url is None and card.file_url is None


def test_channels_link_mail_and_web_only_when_safe() -> None:
    draft = parsers.parse_text("某办法（征求意见稿）\n第一条 为了规范。\n第二条 施行。")
    channels = (
        FeedbackChannel(kind="email", value="a@sz.gov.cn"),
        FeedbackChannel(kind="online", value="http://www.sz.gov.cn"),
        FeedbackChannel(kind="online", value="某某栏目"),
    )
    doc = type(draft)(
        title=draft.title,
        status=Status.DRAFT,
        comment_deadline=dt.date(2023, 1, 10),
        clauses=draft.clauses,
        feedback=channels,
    )
    card = document_card(_new_document(doc, today=dt.date(2023, 1, 1)))
    assert card is not None and card.consultation == "open" and card.days_left == 9
    assert [c.href for c in card.feedback] == ["mailto:a@sz.gov.cn", "http://www.sz.gov.cn", None]


def test_reasons_name_the_matching_subscription() -> None:
    final = parsers.parse_path(TEXTS / "zjtx-final-a.txt")
    ctx = _new_document(final)
    people = [
        (Subscriber(id=1, name="全部", email="a@x.cn"), [Subscription()]),
        (Subscriber(id=2, name="融资", email="b@x.cn"), [Subscription(topics=("企业融资",))]),
        (
            Subscriber(id=3, name="标题", email="c@x.cn"),
            [Subscription(keywords=("专精特新",), cadence=Cadence.WEEKLY)],
        ),
        (Subscriber(id=4, name="无关", email="d@x.cn"), [Subscription(topics=("养老",))]),
    ]
    found = audience(ctx, people)
    assert found.count == 3 and found.unmatched == 1
    reasons = {r.subscriber.name: r.reasons for r in found.recipients}
    assert reasons == {
        "全部": ("订阅全部变更",),
        "融资": ("主题“企业融资”出现在文件中",),
        "标题": ("关键词“专精特新”出现在标题中",),
    }
    assert found.by_cadence() == [("即时", 2), ("每周汇总", 1)]
    assert found.emails == found.messages == 3 and found.chats == 0
    groups = audience(ctx, people, channels={1: ["email", "acme-dingtalk"], 2: ["acme-wecom"]})
    assert [r.channels for r in groups.recipients] == [("email", "acme-dingtalk"), ("acme-wecom",)]
    assert (groups.count, groups.emails, groups.chats, groups.messages) == (2, 1, 2, 3)
    assert [r.subscriber.name for r in groups.silent] == ["标题"]  # it matches; no channel
    assert groups.unmatched == 1
    assert groups.by_channel() == [("email", 1), ("acme-dingtalk", 1), ("acme-wecom", 1)]


def test_the_reminder_email_is_branded_like_every_other_message() -> None:
    draft = parsers.parse_text("某办法（征求意见稿）\n第一条 为了规范。\n第二条 施行。")
    doc = dataclasses.replace(draft, status=Status.DRAFT, comment_deadline=dt.date(2023, 1, 10))
    ctx = _new_document(doc, today=dt.date(2023, 1, 7))
    brand = Branding(organisation="华南政策咨询")
    email = render_reminder(
        ctx, name="李总", unsubscribe_url="https://pw.example/u", branding=brand
    )
    for part in (email.text, email.html):
        assert "本消息由华南政策咨询自动发送，内容以原文为准。" in part
        assert "policywatch" not in part
    assert "意见反馈截止日期：2023年1月10日（还有3天）" in email.text
