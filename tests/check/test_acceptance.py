"""Issue 5's acceptance, through the CLI: `policywatch check` against the replay of the three
snapshots in order gives one document with three versions and the two gold change sets; a fourth
run stores nothing and gets only 304s (or 404s for items the site no longer serves).

Issue 14's: replayed today (years after the snapshots, so the default `baseline_recent` window
of 14 days is far behind them), the first check is a baseline: the draft is stored, nothing is
queued for review or for clients; the draft -> final change set and the correction arrive as
before."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli.demo import CONFIG_TEMPLATE  # the demo's four sources over the replay
from monitor.fetch.replay import ReplayServer
from state.store import open_store

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "expected"


def _run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _refs(changes: list[dict[str, object]]) -> set[tuple[object, object]]:
    def ref(side: object) -> object:
        return None if side is None else (side["number"], side["label"], side["heading"])  # type: ignore[index]

    return {(ref(c["old"]), ref(c["new"])) for c in changes}


def _check_story(replay: ReplayServer, site: Path, tmp_path: Path, keyword: str) -> Path:
    config = tmp_path / "policywatch.toml"
    config.write_text(CONFIG_TEMPLATE.format(base=replay.url, keyword=keyword), encoding="utf-8")
    for name in ("2022-06-20", "2022-12-30", "2023-03-01"):
        replay.switch(site / name)
        _run(config, "check")
    return config


def test_the_first_check_is_a_baseline_and_later_changes_arrive(
    replay: ReplayServer, site: Path, tmp_path: Path
) -> None:
    config = tmp_path / "policywatch.toml"
    text = CONFIG_TEMPLATE.format(base=replay.url, keyword="若干措施")
    # auto-approve: whatever becomes a change set is queued for the subscriber at once
    text = text.replace('keywords = ["若干措施"]', 'keywords = ["若干措施"]\nauto_approve = true')
    config.write_text(text, encoding="utf-8")
    _run(config, "subscribers", "add", "李总", "li@example.com")
    _run(config, "check")
    assert json.loads(_run(config, "changes", "list", "--json")) == []  # nothing to review
    docs = json.loads(_run(config, "documents", "list", "--json"))
    assert [(d["status"], d["versions"]) for d in docs] == [("draft", 1)]  # but it is known
    with open_store(tmp_path / "policywatch.db") as store:
        assert store.list_outbox() == []  # and nothing is queued for clients
        assert {s.name: s.baseline_count for s in store.list_sources()}["gxj-tzgg"] == 1
    for name in ("2022-12-30", "2023-03-01"):
        replay.switch(site / name)
        _run(config, "check")
    sets = json.loads(_run(config, "changes", "list", "--json"))
    assert sorted(len(s["changes"]) for s in sets) == [1, 17]  # draft -> final, correction
    assert all(s["from_version"] is not None and s["state"] == "approved" for s in sets)
    with open_store(tmp_path / "policywatch.db") as store:
        assert sorted(i.change_set_id for i in store.list_outbox()) == sorted(s["id"] for s in sets)


def test_check_over_three_snapshots_gives_one_document_three_versions(
    replay: ReplayServer, site: Path, tmp_path: Path
) -> None:
    config = _check_story(replay, site, tmp_path, "若干措施")
    docs = json.loads(_run(config, "documents", "list", "--json"))
    assert [(d["title"], d["status"], d["versions"]) for d in docs] == [
        ("深圳市关于促进专精特新企业高质量发展的若干措施", "final", 3)
    ]
    sets = json.loads(_run(config, "changes", "list", "--json"))
    changed = sorted((s for s in sets if s["from_version"] is not None), key=lambda s: s["id"])
    assert len(sets) == 2 and len(changed) == 2  # the first sight is a baseline
    for cs, gold_name in zip(
        changed, ("draft-to-final-a.json", "final-a-correction.json"), strict=True
    ):
        gold = json.loads((GOLD / gold_name).read_text(encoding="utf-8"))["changes"]
        assert _refs(cs["changes"]) == _refs(gold)
        kinds = {r: sorted(c["kinds"]) for c in cs["changes"] for r in _refs([c])}
        assert kinds == {r: sorted(g["kinds"]) for g in gold for r in _refs([g])}
    before = (
        _run(config, "changes", "list", "--json"),
        _run(config, "documents", "list", "--json"),
    )
    answered = len(replay.responses)
    _run(config, "check")
    after = (_run(config, "changes", "list", "--json"), _run(config, "documents", "list", "--json"))
    assert after == before  # a fourth run stores nothing
    statuses = {status for _, status in replay.responses[answered:]}
    assert statuses <= {304, 404}, replay.responses[answered:]  # 404: gone from the site


def test_the_broader_keyword_also_finds_the_other_zjtx_policy(
    replay: ReplayServer, site: Path, tmp_path: Path
) -> None:
    config = _check_story(replay, site, tmp_path, "专精特新")
    titles = sorted(d["title"] for d in json.loads(_run(config, "documents", "list", "--json")))
    assert titles == [
        "深圳市专精特新中小企业遴选办法",
        "深圳市关于促进专精特新企业高质量发展的若干措施",
    ]
