"""Gold change lists: the real fixtures through the parser and the differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers import parse_path
from parsers.diff import diff_documents
from parsers.model import ClauseChange, ClauseRef

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLD = sorted((FIXTURES / "expected").glob("*.json"))


def _ref_key(ref: ClauseRef | dict[str, Any] | None) -> tuple[Any, ...] | None:
    if ref is None:
        return None
    if isinstance(ref, ClauseRef):
        return (ref.number, ref.label, ref.heading)
    return (ref["number"], ref["label"], ref["heading"])


def _find(changes: tuple[ClauseChange, ...], gold: dict[str, Any]) -> ClauseChange:
    key = (_ref_key(gold["old"]), _ref_key(gold["new"]))
    found = [c for c in changes if (_ref_key(c.old), _ref_key(c.new)) == key]
    assert found, f"gold change not reported: {key}"
    return found[0]


@pytest.fixture(scope="module", params=GOLD, ids=[p.name for p in GOLD])
def case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], tuple[ClauseChange, ...]]:
    gold = json.loads(request.param.read_text(encoding="utf-8"))
    old, new = parse_path(FIXTURES / gold["old"]), parse_path(FIXTURES / gold["new"])
    return gold, diff_documents(old, new).changes


def test_every_gold_change_is_reported_with_its_kinds(case: Any) -> None:
    gold, changes = case
    for expected in gold["changes"]:
        change = _find(changes, expected)
        assert sorted(k.value for k in change.kinds) == sorted(expected["kinds"]), change.summary
        assert change.section == expected.get("section", False), change.summary


def test_gold_field_detail_is_found(case: Any) -> None:
    gold, changes = case
    for expected in gold["changes"]:
        change = _find(changes, expected)
        if "amount" in expected:
            pairs = [
                (a.old.text if a.old else None, a.new.text if a.new else None)
                for a in change.amounts
            ]
            assert tuple(expected["amount"]) in pairs, change.summary
        assert set(expected.get("units_added", ())) <= set(change.units_added)
        assert set(expected.get("units_removed", ())) <= set(change.units_removed)


def test_nothing_else_is_reported(case: Any) -> None:
    gold, changes = case
    expected = {(_ref_key(g["old"]), _ref_key(g["new"])) for g in gold["changes"]}
    extra = [c.summary for c in changes if (_ref_key(c.old), _ref_key(c.new)) not in expected]
    assert extra == []
