"""The Store round-trips every record type it owns through a real SQLite file."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from parsers.model import (
    Amount,
    AmountChange,
    ChangeKind,
    Clause,
    ClauseChange,
    ClauseRef,
    DocumentChange,
    DocumentDiff,
    PolicyDocument,
    Status,
)
from parsers.records import (
    AttemptOutcome,
    ChangeSetKind,
    ChangeSetState,
    FetchAttempt,
    Fetched,
    ReviewAction,
    StatusEvent,
)
from state.errors import ConflictError, NotFoundError
from state.sources import UrlState
from state.store import Store

NOW = dt.datetime(2022, 12, 30, 8, 0, tzinfo=dt.UTC)


def _doc(amount: str = "30万元") -> PolicyDocument:
    clause = Clause(
        kind="measure",
        label="九",
        number=9,
        level=2,
        path=("三", "九"),
        heading="激发创新活力",
        text=f"对在深圳赛区的获奖项目,最高给予{amount}奖励。",
        responsible_units=("市工业和信息化局",),
        amounts=(Amount(text=amount, value=300000.0, unit="元"),),
    )
    section = Clause(
        kind="section",
        label="三",
        number=3,
        level=1,
        path=("三",),
        heading="提升企业创新能力",
        text="",
        children=(clause,),
    )
    return PolicyDocument(
        title="深圳市关于促进专精特新企业高质量发展的若干措施",
        status=Status.FINAL,
        doc_number="深工信规〔2022〕9号",
        published=dt.date(2022, 12, 30),
        clauses=(section,),
        parser_version="test",
    )


def _fetched(body: bytes = b"<html>body</html>") -> Fetched:
    return Fetched(
        url="http://gxj.sz.gov.cn/post_1.html",
        fetched_at=NOW,
        http_status=200,
        etag='"e1"',
        last_modified="Fri, 30 Dec 2022 08:00:00 GMT",
        media_type="text/html",
        content=body,
        content_hash="h1",
    )


def _change() -> ClauseChange:
    ref = ClauseRef(path=("三", "九"), label="九", number=9, heading="激发创新活力")
    return ClauseChange(
        kinds=(ChangeKind.MODIFIED,),
        old=ref,
        new=ref,
        summary="（九）激发创新活力：最高奖励由30万元提高至50万元",
        amounts=(
            AmountChange(
                old=Amount(text="30万元", value=300000.0, unit="元"),
                new=Amount(text="50万元", value=500000.0, unit="元"),
            ),
        ),
        units_added=("市发展改革委",),
        redline=((0, "最高给予"), (-1, "30万元"), (1, "50万元"), (0, "奖励")),
        old_text="最高给予30万元奖励",
        new_text="最高给予50万元奖励",
    )


def test_source_and_attempts_round_trip(store: Store) -> None:
    source = store.sync_source(name="gxj", kind="html-list", url="http://gxj.sz.gov.cn/")
    again = store.sync_source(
        name="gxj", kind="html-list", url="http://gxj.sz.gov.cn/x", auto_approve=True
    )
    assert again.id == source.id and again.url.endswith("/x") and again.auto_approve
    for minutes, outcome in (
        (0, AttemptOutcome.UNCHANGED),
        (1, AttemptOutcome.FAILED),
        (2, AttemptOutcome.FAILED),
    ):
        at = NOW + dt.timedelta(minutes=minutes)
        store.record_attempt(
            FetchAttempt(
                source_id=source.id,
                url=source.url,
                started_at=at,
                finished_at=at,
                outcome=outcome,
                error="HTTP 500" if outcome == AttemptOutcome.FAILED else None,
            )
        )
    attempts = store.attempts(source.id)
    assert [a.outcome for a in attempts] == [
        AttemptOutcome.FAILED,
        AttemptOutcome.FAILED,
        AttemptOutcome.UNCHANGED,
    ]
    assert attempts[0].started_at == NOW + dt.timedelta(minutes=2)
    assert store.consecutive_failures(source.id) == 2
    health = store.source_health(source)
    assert health.last_success == NOW and health.last_error == "HTTP 500"
    assert store.prune_attempts(older_than=NOW + dt.timedelta(seconds=30)) == 1


def test_document_version_round_trip(store: Store) -> None:
    doc_id = store.add_document(
        title="若干措施", norm_title="若干措施", status=Status.DRAFT, url=None, now=NOW
    )
    rendition_id = store.add_rendition(
        document_id=doc_id, key="post:1", url="http://x/post_1.html", source_id=None
    )
    document = _doc()
    version_id = store.add_version(
        document_id=doc_id,
        rendition_id=rendition_id,
        fetched=_fetched(),
        text="全文",
        document=document,
        tree_hash="t1",
        parser_version="test",
    )
    version = store.get_version(version_id)
    assert version.document == document  # the clause tree survives JSON and back
    assert version.seq == 1 and version.etag == '"e1"' and version.fetched_at == NOW
    assert store.version_raw(version_id) == b"<html>body</html>"
    stored_doc = store.get_document(doc_id)
    assert stored_doc.latest_version_id == version_id and stored_doc.status == Status.FINAL
    assert stored_doc.version_count == 1
    rendition = store.get_rendition("post:1")
    assert (
        rendition is not None
        and rendition.last_version_id == version_id
        and rendition.tree_hash == "t1"
    )
    assert store.documents_by_norm_title("若干措施")[0].id == doc_id
    assert store.add_status_event(StatusEvent(document_id=doc_id, event="final_published", at=NOW))
    assert not store.add_status_event(
        StatusEvent(document_id=doc_id, event="final_published", at=NOW)
    )
    assert [e.event for e in store.status_events(doc_id)] == ["final_published"]
    with pytest.raises(NotFoundError):
        store.get_version(12345)


def test_a_versions_text_is_stored_compressed_and_read_back(store: Store) -> None:
    """The extracted text (a third of a version's bytes, never queried in SQL) is stored
    zlib-compressed; text stored plain before is read as it was."""
    doc_id = store.add_document(
        title="若干措施", norm_title="若干措施", status=Status.FINAL, url=None, now=NOW
    )
    text = "".join(f"（{n}）对首次认定的专精特新企业给予一次性奖励{n}万元。\n" for n in range(300))

    def add(seq: int) -> int:
        return store.add_version(
            document_id=doc_id,
            rendition_id=None,
            fetched=_fetched(f"<p>{seq}</p>".encode()),
            text=text,
            document=_doc(),
            tree_hash=f"t{seq}",
            parser_version="test",
        )

    new, old = add(1), add(2)
    assert store.get_version(new).text == text
    stored = store.scalar("SELECT length(text) FROM versions WHERE id = ?", (new,))
    assert stored < len(text.encode("utf-8")) / 4
    store.conn.execute("UPDATE versions SET text = ? WHERE id = ?", (text, old))  # an older row
    assert store.get_version(old).text == text


def test_change_set_round_trip_and_review(store: Store) -> None:
    doc_id = store.add_document(
        title="若干措施", norm_title="若干措施", status=Status.FINAL, url=None, now=NOW
    )
    v1 = store.add_version(
        document_id=doc_id,
        rendition_id=None,
        fetched=_fetched(b"a"),
        text="a",
        document=_doc(),
        tree_hash="a",
        parser_version="t",
    )
    v2 = store.add_version(
        document_id=doc_id,
        rendition_id=None,
        fetched=_fetched(b"b"),
        text="b",
        document=_doc("50万元"),
        tree_hash="b",
        parser_version="t",
    )
    diff = DocumentDiff(
        document_changes=(
            DocumentChange(
                field="status", old="draft", new="final", summary="状态由征求意见稿变为正式发布"
            ),
        ),
        changes=(_change(),),
    )
    cs_id = store.add_change_set(
        document_id=doc_id,
        from_version_id=v1,
        to_version_id=v2,
        source_id=None,
        kind=ChangeSetKind.CHANGED,
        diff=diff,
        detected_at=NOW,
    )
    cs = store.get_change_set(cs_id)
    assert cs.diff == diff and cs.state == ChangeSetState.PENDING
    assert cs.document_title == _doc().title and len(cs.changes) == 1
    change_id = cs.changes[0].id
    store.update_change(change_id, summary_override="（九）奖励提高至50万元")
    store.update_change(change_id, suppressed=True, suppress_reason="误报")
    cs = store.get_change_set(cs_id)
    assert cs.changes[0].summary == "（九）奖励提高至50万元" and cs.visible_changes == ()
    store.set_change_set_state(cs_id, ChangeSetState.APPROVED, actor="alice", at=NOW)
    with pytest.raises(ConflictError):
        store.set_change_set_state(cs_id, ChangeSetState.REJECTED, actor="bob", at=NOW)
    store.add_review(ReviewAction(change_set_id=cs_id, action="approve", actor="alice", at=NOW))
    assert [r.actor for r in store.reviews(cs_id)] == ["alice"]
    assert [c.id for c in store.list_change_sets(state=ChangeSetState.APPROVED)] == [cs_id]
    assert store.list_change_sets(state=ChangeSetState.PENDING) == []


def test_atomic_rolls_back_every_row(store: Store) -> None:
    with pytest.raises(RuntimeError), store.atomic():
        store.add_document(title="x", norm_title="x", status=Status.DRAFT, url=None, now=NOW)
        raise RuntimeError("boom")
    assert store.list_documents() == []


def test_documents_are_listed_by_the_policy_title_not_the_notice(store: Store) -> None:
    notice = "深圳市工业和信息化局关于印发《深圳市关于促进专精特新企业高质量发展的若干措施》的通知"
    doc_id = store.add_document(
        title=notice, norm_title="x", status=Status.FINAL, url=None, now=NOW
    )
    assert store.get_document(doc_id).title == "深圳市关于促进专精特新企业高质量发展的若干措施"
    document = PolicyDocument(title=notice, status=Status.FINAL, clauses=_doc().clauses)
    store.add_version(
        document_id=doc_id,
        rendition_id=None,
        fetched=_fetched(),
        text="t",
        document=document,
        tree_hash="t",
        parser_version="t",
    )
    assert store.get_document(doc_id).title == "深圳市关于促进专精特新企业高质量发展的若干措施"


def test_a_nested_block_rolls_back_alone(store: Store) -> None:
    with store.atomic():
        kept = store.add_document(title="a", norm_title="a", status=Status.DRAFT, url=None, now=NOW)
        with pytest.raises(RuntimeError), store.atomic():
            store.add_document(title="b", norm_title="b", status=Status.DRAFT, url=None, now=NOW)
            raise RuntimeError("inner")
    assert [d.id for d in store.list_documents()] == [kept]


def test_url_states_reads_many_urls_as_url_state_reads_each(store: Store) -> None:
    page = UrlState(url="http://a.gov.cn/1.html", verdict="document", etag='"e1"', clauses=3)
    moved = UrlState(url="http://a.gov.cn/2.html", verdict="document", last_modified="Mon")
    listing = UrlState(url="http://a.gov.cn/list.html", verdict="list", body=b"<ul></ul>" * 50)
    for state in (page, moved, listing):
        store.set_url_state(state)
    never = "http://a.gov.cn/never.html"
    urls = [page.url, moved.url, listing.url, never, page.url]

    found = store.url_states(urls)

    # each as `url_state` reads it; a URL never fetched is None; a state keeping a body
    # (a list page) is left to `url_state`
    assert found == {page.url: page, moved.url: moved, never: None}
    assert {url: store.url_state(url) for url in found} == found
    assert store.url_state(listing.url) == listing
    assert store.url_states([]) == {}


def test_sync_sources_of_an_unchanged_config_writes_nothing(store: Store) -> None:
    sources = [(f"s{i}", "page", f"http://a.gov.cn/{i}.html", i == 3) for i in range(5)]
    first = store.sync_sources(sources)
    watcher = sqlite3.connect(store.path)  # another connection sees every commit that wrote
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    rows = watcher.execute("SELECT * FROM sources ORDER BY id").fetchall()

    again = store.sync_sources(sources)

    assert again == first
    assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
    assert watcher.execute("SELECT * FROM sources ORDER BY id").fetchall() == rows
    # a changed URL is written, and returned as written
    changed = store.sync_sources([("s1", "page", "http://a.gov.cn/moved.html", False)])
    assert changed["s1"].url == "http://a.gov.cn/moved.html" and changed["s1"].id == first["s1"].id
    assert watcher.execute("PRAGMA data_version").fetchone()[0] != version
    assert store.get_source("s1") == changed["s1"]
    watcher.close()
