"""`policywatch demo` runs the whole story and leaves readable emails behind, and one change set
(draft -> final, 17 changes) pending for the newcomer to review in the UI."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from monitor.cli import cli
from monitor.cli.demo import run_demo
from parsers.records import ChangeSetKind, ChangeSetState
from state.store import open_store

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "expected" / "draft-to-final-a.json"


def test_demo_tells_the_whole_story(tmp_path: Path) -> None:
    out = io.StringIO()
    result = run_demo(tmp_path / "demo", console=Console(file=out, width=200, highlight=False))
    text = out.getvalue()
    store = open_store(result.database)
    try:
        sets = [store.get_change_set(i) for i in result.change_sets]
        changed = [cs for cs in sets if cs.kind is ChangeSetKind.CHANGED]
        [pending] = [cs for cs in sets if cs.state is ChangeSetState.PENDING]
        assert pending.kind is ChangeSetKind.CHANGED and len(pending.changes) == 17
        assert f"http://127.0.0.1:8000/change-sets/{pending.id}" in text
        zjtx = [d for d in store.list_documents() if "专精特新企业高质量发展" in d.title]
        assert len(zjtx) == 1 and zjtx[0].version_count == 3
        old = [d for d in store.list_documents() if d.title == "深圳市专精特新中小企业遴选办法"]
        assert old and not store.list_change_sets(document_id=old[0].id)  # a baseline
    finally:
        store.close()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert [len(cs.changes) for cs in changed] == [len(gold["changes"]), 1]
    assert "The 17 clause changes from draft to final" in text
    for change in gold["changes"]:
        for side in ("old", "new"):
            if change[side]:
                assert f"（{change[side]['label']}）" in text
    baselines = re.findall(r"Baseline of gxj-[a-z]+: 1 published document\(s\) recorded", text)
    assert len(baselines) == 1  # whichever of two lists linking it reaches the post first
    assert "approved by the demo" in text and "Review UI: policywatch --config" in text
    emls = sorted(result.outbox.glob("*.eml"))
    assert len(emls) == result.emails > 0
    subjects = []
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        subject = str(message["Subject"])
        subjects.append(subject)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in subject), subject
        assert message.get_content_type() == "multipart/alternative"
        parts = {p.get_content_type() for p in message.iter_parts()}
        assert parts == {"text/plain", "text/html"}
        if subject.startswith("【新政策征求意见】"):  # the first email carries the card
            body = message.get_body(("plain",))
            assert body is not None and "zjtx@gxj.sz.gov.cn" in body.get_content()
    assert sum(s.startswith("【新政策征求意见】") for s in subjects) == 3
    assert sum(s.startswith("【征求意见即将截止】") for s in subjects) == 3  # one each


def test_demo_command_exits_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "policywatch.toml").exists()
    assert list((tmp_path / "d" / "outbox").glob("*.eml"))
