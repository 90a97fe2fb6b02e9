"""Which sources exist: the config file's `[[source]]` tables, then the sources staff added in
the review UI (kept in the database), for everything that checks, schedules or shows sources.

How the two combine:

- The config file is the source of truth for the sources it defines: their settings are the
  file's on every check and every daemon start, and the UI shows them read-only (only the
  auto-approve toggle, as before, is the UI's). To change one, edit the file.
- A source added in the UI is stored whole in the database (its `[[source]]` table as JSON,
  checked by the same validation as the file's) and is checked, scheduled and listed like a
  file one. Staff edit, enable and disable it in the UI.
- One name in both: the file's wins. The database row becomes the file's (its UI settings are
  dropped), so adding a UI source to the file "promotes" it without losing its history.
- A UI source whose stored table no longer passes the checks (say `[fetch] allow_hosts` lost
  its host) is not checked; the UI shows why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from monitor.config import Config, FetchConfig, SourceConfig, source_from_table
from monitor.errors import ConfigError
from parsers.records import SourceRecord
from state.store import Store

logger = logging.getLogger(__name__)

UI_ORIGIN = "ui"
CONFIG_ORIGIN = "config"


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogEntry:
    """One source as the UI lists it: its settings, where it is defined, why it is not checked."""

    source: SourceConfig | None  # None: a UI table that no longer validates
    record: SourceRecord | None  # None: a config source never synced (no check yet)
    origin: str
    problem: str | None = None

    @property
    def name(self) -> str:
        """The source's name."""
        if self.source is not None:
            return self.source.name
        assert self.record is not None
        return self.record.name


def settings_json(table: dict[str, Any]) -> str:
    """A UI source's `[[source]]` table as stored."""
    return json.dumps(table, ensure_ascii=False, sort_keys=True)


def ui_source_config(record: SourceRecord, fetch: FetchConfig) -> SourceConfig:
    """The settings of a UI-defined source (ConfigError when they no longer validate)."""
    try:
        table = json.loads(record.settings or "{}")
    except ValueError:
        raise ConfigError(f"source {record.name!r}: stored settings are not JSON") from None
    if not isinstance(table, dict):
        raise ConfigError(f"source {record.name!r}: stored settings are not a table")
    return source_from_table(table, fetch, where=f"source {record.name!r} (review UI)")


def catalog(config: Config, store: Store) -> tuple[CatalogEntry, ...]:
    """Every source: the file's in file order, then the UI's by name, then the database's
    leftovers (sources the file no longer defines: kept with their history, not checked)."""
    records = {r.name: r for r in store.list_sources()}
    entries = [
        CatalogEntry(source=s, record=records.get(s.name), origin=CONFIG_ORIGIN)
        for s in config.sources
    ]
    defined = set(config.source_names)
    for record in records.values():
        if record.name in defined:
            continue
        if record.origin == UI_ORIGIN:
            try:
                source = ui_source_config(record, config.fetch)
            except ConfigError as exc:
                entries.append(
                    CatalogEntry(source=None, record=record, origin=UI_ORIGIN, problem=str(exc))
                )
                continue
            entries.append(CatalogEntry(source=source, record=record, origin=UI_ORIGIN))
        else:
            problem = "no longer in the config file: not checked"
            entries.append(
                CatalogEntry(source=None, record=record, origin=CONFIG_ORIGIN, problem=problem)
            )
    return tuple(entries)


def effective_sources(config: Config, store: Store) -> tuple[SourceConfig, ...]:
    """The sources to check: the file's, then the valid UI ones (enabled or not)."""
    found: list[SourceConfig] = []
    for entry in catalog(config, store):
        if entry.source is not None:
            found.append(entry.source)
        elif entry.origin == UI_ORIGIN:
            logger.warning("source %s skipped: %s", entry.name, entry.problem)
    return tuple(found)


def find_source(config: Config, store: Store, name: str) -> SourceConfig:
    """The file's or a UI source called `name` (ConfigError naming the known ones)."""
    sources = effective_sources(config, store)
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none"
    raise ConfigError(f"no source named {name!r} (known: {known})")


def sync_records(
    store: Store, config: Config, selected: Sequence[SourceConfig]
) -> dict[str, SourceRecord]:
    """The database rows of the selected sources: the file's synced from the file (created,
    updated, or taken over from a UI source of the same name), the UI's read as they are."""
    in_file = set(config.source_names)
    from_file = [s for s in selected if s.name in in_file]
    records = store.sync_sources([(s.name, s.kind, s.url, s.auto_approve) for s in from_file])
    rest = [s for s in selected if s.name not in in_file]
    if rest:
        ui = {r.name: r for r in store.ui_sources()}
        for source in rest:
            record = ui.get(source.name)
            if record is None:  # a source handed in by a caller (tests, bench): sync it
                record = store.sync_source(
                    name=source.name,
                    kind=source.kind,
                    url=source.url,
                    auto_approve=source.auto_approve,
                )
            records[source.name] = record
    return records
