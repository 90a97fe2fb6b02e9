"""Stored trees made by an older parser, parsed again from the version's own bytes.

A parser upgrade (`parsers.PARSER_VERSION`) can change a clause tree while the page stays the
same: a new fetch diffed against a tree of the old parser would send clients a change set that
is only the parser's difference. So before the pipeline diffs against a stored version whose
tree another parser version made, it parses that version's stored bytes again with the current
parser and keeps the result (`current`); `policywatch db reparse` refreshes every stored
version at once (`refresh_all`). When the versions match, nothing here runs.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import parsers
from monitor.check.reader import read
from parsers.model import PolicyDocument, Status
from state.documents import LatestTree
from state.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReparseReport:
    """What `refresh_all` did: versions parsed again, how many trees changed, and those that
    could not be parsed again (bytes dropped by retention, or no longer parseable)."""

    parsed: int = 0
    changed: int = 0
    no_bytes: int = 0
    failed: int = 0


def current(store: Store, previous: LatestTree) -> LatestTree:
    """`previous` with its tree made by the current parser (parsed again and stored when
    another parser version made it; as it was when that cannot be done)."""
    if previous.parser_version == parsers.PARSER_VERSION:
        return previous
    if refresh(store, previous.version_id) is None:
        return previous
    refreshed = store.version_tree(previous.version_id)
    return refreshed if refreshed is not None else previous


def refresh(store: Store, version_id: int) -> PolicyDocument | None:
    """Parse a stored version again from its bytes with the current parser and store the
    tree; returns it, or None when the bytes are gone or no longer parse."""
    stored = store.stored_raw(version_id)
    if stored is None:
        return None
    try:
        reading = read(stored.raw, stored.media_type, stored.url)
    except parsers.ParseError as exc:
        logger.warning("version %d no longer parses: %s", version_id, exc)
        return None
    if reading.tree is None:
        logger.warning("version %d no longer parses as a document", version_id)
        return None
    before = store.get_version(version_id)
    document = _keep_known_fields(reading.tree.document, before.document)
    store.replace_tree(
        version_id,
        text=reading.extracted.text,
        document=document,
        tree_hash=reading.tree.digest,
        parser_version=parsers.PARSER_VERSION,
    )
    return document


def _keep_known_fields(fresh: PolicyDocument, stored: PolicyDocument) -> PolicyDocument:
    """The fresh parse, with the stored value of each field the fresh parse leaves empty
    (the pipeline fills some from the list page or the notice an attachment came with)."""
    updates = {
        name: getattr(stored, name)
        for name in ("title", "doc_number", "issuer", "published", "comment_deadline")
        if getattr(fresh, name) is None and getattr(stored, name) is not None
    }
    if fresh.status is Status.UNKNOWN and stored.status is not Status.UNKNOWN:
        updates["status"] = stored.status
    return dataclasses.replace(fresh, **updates) if updates else fresh


def refresh_all(store: Store, *, everything: bool = False) -> ReparseReport:
    """Parse again every stored version another parser version made (`everything`: every
    version), keeping each new tree."""
    ids = (
        store.all_version_ids()
        if everything
        else store.versions_parsed_by_other(parsers.PARSER_VERSION)
    )
    parsed = changed = no_bytes = failed = 0
    for version_id in ids:
        before = store.version_tree(version_id)
        if store.stored_raw(version_id) is None:
            no_bytes += 1
        elif refresh(store, version_id) is None:
            failed += 1
        else:
            parsed += 1
            after = store.version_tree(version_id)
            changed += before is None or after is None or after.tree_hash != before.tree_hash
    return ReparseReport(parsed=parsed, changed=changed, no_bytes=no_bytes, failed=failed)
