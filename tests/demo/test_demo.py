"""`policywatch demo` runs the whole story and leaves readable emails behind."""

from __future__ import annotations

import email
import email.policy
import io
import json
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
        assert all(cs.state is ChangeSetState.APPROVED for cs in sets)
        zjtx = [d for d in store.list_documents() if "专精特新企业高质量发展" in d.title]
        assert len(zjtx) == 1 and zjtx[0].version_count == 3
    finally:
        store.close()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert [len(cs.changes) for cs in changed] == [len(gold["changes"]), 1]
    assert "The 17 clause changes from draft to final" in text
    for change in gold["changes"]:
        for side in ("old", "new"):
            if change[side]:
                assert f"（{change[side]['label']}）" in text
    assert "auto-approved" in text and "Review UI: policywatch --config" in text
    emls = sorted(result.outbox.glob("*.eml"))
    assert len(emls) == result.emails > 0
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        subject = str(message["Subject"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in subject), subject
        assert message.get_content_type() == "multipart/alternative"
        parts = {p.get_content_type() for p in message.iter_parts()}
        assert parts == {"text/plain", "text/html"}


def test_demo_command_exits_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "policywatch.toml").exists()
    assert list((tmp_path / "d" / "outbox").glob("*.eml"))
