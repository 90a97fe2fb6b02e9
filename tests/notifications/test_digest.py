"""A daily digest with two change sets of one policy: each clause once, oldest → newest."""

from __future__ import annotations

import datetime as dt

from monitor.config import Config
from monitor.review import actions, sending
from parsers import parse_text
from parsers.diff import diff_documents
from parsers.records import Cadence, ChangeSetKind, Subscriber, Subscription
from state.store import Store
from tests.notifications.conftest import (
    FINAL_URL,
    FIXTURES,
    NOW,
    SMTPServer,
    _fetched,
    body_text,
    draft_to_final,
    parsed,
)

NINE = dt.datetime(2022, 12, 31, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai, the digest


def corrected(store: Store, first: int) -> int:
    """The final corrected in place: （十四）'s 2万元 becomes 3万元 (a second change set)."""
    final = parsed("zjtx-final-a.txt")
    text = (FIXTURES / "texts" / "zjtx-final-a.txt").read_text(encoding="utf-8")
    fixed = parse_text(text.replace("每人每次最高2万元", "每人每次最高3万元"))
    cs = store.get_change_set(first)
    v3 = store.add_version(
        document_id=cs.document_id,
        rendition_id=None,
        fetched=_fetched(FINAL_URL, "fixed", NOW + dt.timedelta(hours=2)),
        text="",
        document=fixed,
        tree_hash="fixed",
        parser_version="test",
    )
    return store.add_change_set(
        document_id=cs.document_id,
        from_version_id=cs.to_version_id,
        to_version_id=v3,
        source_id=None,
        kind=ChangeSetKind.CHANGED,
        diff=diff_documents(final, fixed),
        detected_at=NOW + dt.timedelta(hours=2),
    )


def test_digest_shows_each_clause_once_with_its_versions(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    store.add_subscriber(
        Subscriber(name="王五", email="digest@client.cn"),
        [Subscription(cadence=Cadence.DAILY)],
        now=NOW,
    )
    first = draft_to_final(store)
    actions.approve_change_set(store, first, actor="a", now=NOW, config=config)
    second = corrected(store, first)
    later = NOW + dt.timedelta(hours=3)
    actions.approve_change_set(store, second, actor="a", now=later, config=config)
    report = sending.send_due(config, store, now=NINE)
    assert report.emails == 1 and report.rows_sent == 2
    (message,) = smtp_server.messages
    text = body_text(message.msg, "plain")
    assert message.msg["Subject"].endswith("1项政策有变化")
    versions = "版本：征求意见稿（2022年6月23日） → 正式稿（2022年12月28日） → 正式稿（2022年12月30日修订）"
    assert versions in text
    # （十四） changed in both change sets: one line, both steps, each named by its version.
    lines = [line for line in text.splitlines() if line.strip().startswith("- （十四）")]
    assert len(lines) == 1
    assert "每年培训由100人提高至200人〔正式稿（2022年12月28日）〕" in lines[0]
    assert "由2万元提高至3万元〔正式稿（2022年12月30日修订）〕" in lines[0]
    assert lines[0].index("100人") < lines[0].index("2万元")  # oldest first
    # Its redline runs from the draft's text to the corrected one.
    redline = text[text.index("（十四）加强企业家培育（") :].split("\n")[1]
    assert "[-100人-]{+200人+}" in redline and "[-2万元-]{+3万元+}" in redline
    assert text.count("（九）激发创新活力：") == 1
