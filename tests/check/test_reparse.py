"""A parser upgrade is not news: stored trees of an older parser are parsed again before a diff
(and by `policywatch db reparse`), so an unchanged page yields no change set."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from click.testing import CliRunner

import parsers
from monitor.check.cycle import CycleReport
from monitor.check.lineage import tree_hash
from monitor.check.reparse import refresh_all
from monitor.cli import cli
from monitor.fetch.replay import ReplayServer
from parsers.model import Clause, PolicyDocument, document_from_json, document_to_json
from state.store import Store
from tests.check.test_pipeline import ZJTX, check, site_config


def _older_parser_tree(document: PolicyDocument) -> PolicyDocument:
    """The tree an older parser could have made of the same bytes: the last paragraph of the
    last clause glued to the one before it (the kind of difference parser upgrades make)."""
    clauses = list(document.clauses)
    last = clauses[-1]
    while last.children:
        last = last.children[-1]
    glued = dataclasses.replace(last, text=last.text + "\n" + document.closing)
    return dataclasses.replace(
        document, clauses=tuple(_replace(c, last, glued) for c in clauses), closing=""
    )


def _replace(clause: Clause, old: Clause, new: Clause) -> Clause:
    if clause is old:
        return new
    if not clause.children:
        return clause
    kids = tuple(_replace(k, old, new) for k in clause.children)
    return dataclasses.replace(clause, children=kids)


def _as_parsed_by(store: Store, version: str) -> dict[int, str]:
    """Give every stored version an older parser's tree, recorded as made by parser
    `version`, and make each URL look changed to the next fetch; returns the tampered hashes."""
    hashes = {}
    for document in store.list_documents():
        for v in store.versions_of(document.id):
            older = _older_parser_tree(v.document)
            hashes[v.id] = tree_hash(older)
            store.conn.execute(
                "UPDATE versions SET tree_json = ?, tree_hash = ?, parser_version = ? WHERE id = ?",
                (json.dumps(document_to_json(older)), hashes[v.id], version, v.id),
            )
            store.conn.execute(
                "UPDATE renditions SET tree_hash = ? WHERE last_version_id = ?",
                (hashes[v.id], v.id),
            )
    store.conn.execute(
        "UPDATE url_states SET tree_hash = (SELECT r.tree_hash FROM renditions r"
        " WHERE r.url = url_states.url), content_hash = 'before the upgrade', etag = NULL,"
        " last_modified = NULL WHERE tree_hash IS NOT NULL"
    )
    return hashes


def _change_sets(store: Store) -> int:
    return len(store.list_change_sets())


def _checked_twice(
    replay: ReplayServer, site: Path, store: Store, parser: str
) -> tuple[int, dict[int, str], CycleReport]:
    """Check the final snapshot, give the stored versions trees recorded as made by `parser`,
    check again; returns the change sets counted between the checks, the tampered hashes and
    the second check's report (asserts nothing)."""
    config = site_config(replay.url)
    replay.switch(site / "2023-03-01")
    check(config, store)
    before = _change_sets(store)
    tampered = _as_parsed_by(store, parser)
    return before, tampered, check(config, store)


def test_an_unchanged_page_after_a_parser_upgrade_yields_no_change_set(
    replay: ReplayServer, site: Path, store: Store
) -> None:
    before, tampered, report = _checked_twice(replay, site, store, "1")
    assert _change_sets(store) == before, report
    zjtx = next(d for d in store.list_documents() if d.norm_title == ZJTX)
    latest = store.latest_version(zjtx.id)
    assert latest is not None
    assert latest.parser_version == parsers.PARSER_VERSION
    assert latest.tree_hash != tampered[latest.id]  # parsed again from the stored bytes
    assert latest.document.closing  # ...by this parser, which keeps the closing apart


def test_the_same_tree_under_this_parser_version_is_reported(
    replay: ReplayServer, site: Path, store: Store
) -> None:
    """The control: the re-parse is what keeps the parser's difference out of change sets."""
    before, _, report = _checked_twice(replay, site, store, parsers.PARSER_VERSION)
    assert _change_sets(store) > before, report


def test_db_reparse_refreshes_older_trees_and_keeps_bytes_and_history(
    replay: ReplayServer, site: Path, store: Store, tmp_path: Path
) -> None:
    config = site_config(replay.url)
    replay.switch(site / "2022-12-30")
    check(config, store)
    replay.switch(site / "2023-03-01")
    check(config, store)
    fresh = {v.id: v.tree_hash for d in store.list_documents() for v in store.versions_of(d.id)}
    change_sets = _change_sets(store)
    tampered = _as_parsed_by(store, "1")
    report = refresh_all(store)
    assert report.parsed == len(fresh) and report.changed == len(fresh) and not report.failed
    for document in store.list_documents():
        for v in store.versions_of(document.id):
            assert v.parser_version == parsers.PARSER_VERSION
            assert v.tree_hash == fresh[v.id] != tampered[v.id]
            assert document_from_json(document_to_json(v.document)) == v.document
    assert _change_sets(store) == change_sets
    again = refresh_all(store)
    assert again.parsed == 0  # nothing left of another parser version
    assert refresh_all(store, everything=True).changed == 0


def test_the_reparse_command(store: Store, db_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "policywatch.toml"
    config.write_text(f'[database]\npath = "{db_path}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "db", "reparse"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Re-parsed 0 version(s) with parser {parsers.PARSER_VERSION}")
