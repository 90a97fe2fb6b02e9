"""Routing, rendering, headers and tokens on hand-made records (no server, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from email import message_from_bytes, policy

import pytest

from notifications.errors import TokenError
from notifications.message import build_message, mailbox, valid_email
from notifications.model import ChangeSetContext, RenderedEmail
from notifications.render import EmailView, change_set_subject, policy_view, render_email
from notifications.routing import matching_changes, route
from notifications.tokens import make_token, verify_token
from parsers.model import (
    ChangeKind,
    Clause,
    ClauseChange,
    ClauseRef,
    DocumentDiff,
    PolicyDocument,
    Status,
)
from parsers.records import (
    Cadence,
    ChangeSetKind,
    ChangeSetRecord,
    ChangeSetState,
    StoredChange,
    Subscriber,
    Subscription,
)

NOW = dt.datetime(2022, 7, 1, 2, 0, tzinfo=dt.UTC)


def clause(path: tuple[str, ...], heading: str, text: str, *children: Clause) -> Clause:
    return Clause(
        kind="measure" if len(path) > 1 else "section",
        label=path[-1],
        number=None,
        level=len(path),
        path=path,
        heading=heading,
        text=text,
        children=children,
    )


DOC = PolicyDocument(
    title="深圳市关于促进专精特新企业高质量发展的若干措施",
    status=Status.FINAL,
    clauses=(
        clause(
            ("二",),
            "拓宽企业融资渠道",
            "",
            clause(("二", "五"), "扩大间接融资规模", "推动驻深商业银行用好支小再贷款"),
        ),
        clause(
            ("四",), "强化人才支撑", "", clause(("四", "十四"), "加强企业家培育", "每年培训200人")
        ),
    ),
)


def change(path: tuple[str, ...], heading: str, summary: str, **kw: object) -> ClauseChange:
    ref = ClauseRef(path=path, label=path[-1], number=None, heading=heading)
    fields: dict[str, object] = {
        "kinds": (ChangeKind.MODIFIED,),
        "old": ref,
        "new": ref,
        "summary": summary,
        "redline": ((0, "每年培训"), (-1, "100人"), (1, "200人")),
    }
    fields.update(kw)
    return ClauseChange(**fields)  # type: ignore[arg-type]


def context(*changes: StoredChange, doc: PolicyDocument = DOC, **kw: object) -> ChangeSetContext:
    record = ChangeSetRecord(
        id=7,
        document_id=3,
        document_title=doc.title or "",
        from_version_id=1,
        to_version_id=2,
        source_id=None,
        kind=ChangeSetKind.CHANGED,
        state=ChangeSetState.APPROVED,
        detected_at=NOW,
        diff=DocumentDiff(changes=tuple(c.change for c in changes)),
        changes=changes,
    )
    record = dataclasses.replace(record, **kw)  # type: ignore[arg-type]
    return ChangeSetContext(change_set=record, old=doc, new=doc, url="https://gxj.sz.gov.cn/p.html")


FINANCE = StoredChange(
    id=1,
    position=0,
    change=change(("二", "五"), "扩大间接融资规模", "（五）扩大间接融资规模：修改"),
)
TALENT = StoredChange(
    id=2,
    position=1,
    change=change(("四", "十四"), "加强企业家培育", "（十四）培训由100人提高至200人"),
)


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        (("企业融资",), [0]),  # contained in the section heading 二、拓宽企业融资渠道
        (("企业 融资",), [0]),  # white space ignored
        (("人才",), [1]),
        (("企业家",), [1]),  # clause heading
        (("商业银行",), [0]),  # clause text
        ((), [0, 1]),
        (("海关",), None),
    ],
)
def test_topics_match_section_and_clause_headings(
    topics: tuple[str, ...], expected: list[int] | None
) -> None:
    found = matching_changes(context(FINANCE, TALENT), Subscription(topics=topics))
    assert (None if found is None else [c.position for c in found]) == expected


def test_route_suppressed_inactive_filters_and_min_severity() -> None:
    hidden = dataclasses.replace(FINANCE, suppressed=True)
    ctx = context(hidden, TALENT)
    people = [
        (Subscriber(id=1, name="a", email="a@x.cn"), [Subscription(topics=("企业融资",))]),
        (Subscriber(id=2, name="b", email="b@x.cn", active=False), [Subscription()]),
        (Subscriber(id=3, name="c", email="c@x.cn"), [Subscription(documents=(99,))]),
        (Subscriber(id=4, name="d", email="d@x.cn"), [Subscription(min_severity=3)]),
        (
            Subscriber(id=5, name="e", email="e@x.cn"),
            [
                Subscription(cadence=Cadence.WEEKLY),
                Subscription(keywords=("培训",), cadence=Cadence.DAILY),
            ],
        ),
    ]
    routes = route(ctx, people)
    assert [(r.subscriber.id, r.cadence, len(r.changes)) for r in routes] == [(5, Cadence.DAILY, 1)]


def test_new_draft_with_deadline_is_immediate_and_named_in_subject() -> None:
    draft = dataclasses.replace(
        DOC,
        title=(DOC.title or "") + "（征求意见稿）",
        status=Status.DRAFT,
        comment_deadline=dt.date(2022, 7, 20),
    )
    ctx = context(doc=draft, kind=ChangeSetKind.NEW_DOCUMENT)
    ctx = dataclasses.replace(ctx, old=None)
    (found,) = route(
        ctx,
        [
            (
                Subscriber(id=1, name="a", email="a@x.cn"),
                [Subscription(topics=("人才",), cadence=Cadence.WEEKLY)],
            )
        ],
    )
    assert found.cadence is Cadence.IMMEDIATE
    subject = change_set_subject(ctx, found.changes)
    assert subject == f"【新政策征求意见】{draft.title}（截止2022年7月20日）"
    email = render(ctx, found.changes)
    assert "意见反馈截止日期：2022年7月20日" in email.text and "2022年7月20日" in email.html


def render(ctx: ChangeSetContext, changes: tuple[StoredChange, ...]) -> RenderedEmail:
    view = EmailView(
        name="李四",
        heading="有变化",
        policies=(policy_view(ctx, changes),),
        unsubscribe_url="https://pw.example/unsubscribe/t",
        digest=False,
    )
    return render_email(change_set_subject(ctx, changes), view)


def test_everything_from_a_page_is_escaped_and_override_wins() -> None:
    evil = "<script>alert(1)</script>"
    doc = dataclasses.replace(DOC, title=f"措施{evil}\r\nBcc: victim@x.cn")
    stored = dataclasses.replace(
        TALENT,
        change=change(
            ("四", "十四"), f"培育{evil}", "differ", redline=((1, evil), (-1, "<b>旧</b>"))
        ),
        summary_override="审核员改写的摘要",
    )
    ctx = context(stored, doc=doc)
    email = render(ctx, (stored,))
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "&lt;b&gt;旧&lt;/b&gt;" in email.html
    assert "审核员改写的摘要" in email.text and "differ" not in email.text
    assert "\n" not in email.subject and "\r" not in email.subject
    msg = build_message(
        email,
        sender=mailbox("policywatch", "pw@x.cn"),
        to=mailbox("李四\r\nBcc: victim@x.cn", "b@x.cn"),
        message_id="<pw.1@x.cn>",
        date=NOW,
        unsubscribe_url="https://pw.example/unsubscribe/t\r\nBcc: v@x.cn",
    )
    parsed = message_from_bytes(msg.raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == ["b@x.cn"]
    assert parsed["Subject"].startswith(
        "【政策变更】措施<script>alert(1)</script> Bcc: victim@x.cn"
    )


def test_tokens_sign_and_expire() -> None:
    token = make_token(42, secret=b"k", now=NOW, days=90)
    assert verify_token(token, secret=b"k", now=NOW + dt.timedelta(days=89)) == 42
    for bad, now in [
        (token, NOW + dt.timedelta(days=91)),
        (token.replace("42.", "43.", 1), NOW),
        ("42.99999999999.AAAA", NOW),
        ("garbage", NOW),
    ]:
        with pytest.raises(TokenError):
            verify_token(bad, secret=b"k", now=now)
    with pytest.raises(TokenError):
        verify_token(token, secret=b"other", now=NOW)


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("a@b.cn", True),
        ("a.b+c@mail.b.cn", True),
        ("a@b", False),
        ("a b@c.cn", False),
        ("a@b.cn\r\n", False),
        ("", False),
    ],
)
def test_valid_email(address: str, ok: bool) -> None:
    assert valid_email(address) is ok


def test_a_law_article_is_named_as_laws_cite_it() -> None:
    from notifications.render import change_view
    from parsers.model import ChangeKind, ClauseChange, ClauseRef
    from parsers.records import StoredChange

    article = ClauseRef(path=("二", "五"), label="五", number=5, heading=None, kind="article")
    change = ClauseChange(
        kinds=(ChangeKind.MODIFIED,), old=article, new=article, summary="第五条：…"
    )
    assert change_view(StoredChange(id=1, position=0, change=change)).location == "第五条"
    item = ClauseRef(path=("二", "五"), label="五", number=5, heading="加强服务", kind="measure")
    change = ClauseChange(kinds=(ChangeKind.MODIFIED,), old=item, new=item, summary="（五）…")
    assert change_view(StoredChange(id=1, position=0, change=change)).location == "（五）加强服务"
