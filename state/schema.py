"""The names of the schema's migrations, without importing sqlite-utils.

`Store.migrate()` compares them with `_sqlite_migrations` and only loads `state.migrations`
(and sqlite-utils) when one is missing. A test keeps this list equal to the registered ones.
"""

from __future__ import annotations

MIGRATION_SET = "policywatch"
MIGRATIONS = (
    "m001_initial",
    "m002_url_states",
    "m114_source_baseline",
    "m114_ui_sources",
    "m114_version_notice",
    "m115_channels",
    "m116_session_version",
    "m118_history_indexes",
)
