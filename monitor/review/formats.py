"""Every client deliverable `changes export --format` offers, by name."""

from __future__ import annotations

from collections.abc import Callable

from monitor.review.export import FORMATS as REDLINES
from monitor.review.export import ExportSource
from monitor.review.table import export_table_docx

FORMATS: dict[str, Callable[[ExportSource], bytes]] = {
    **REDLINES,
    "table-docx": export_table_docx,  # the 新旧条文对照表
}
