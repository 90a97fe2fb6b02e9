"""The `parsers` package: its functions load lazily and stay what the docs say they are."""

from __future__ import annotations

import subprocess
import sys


def test_the_entry_points_are_functions_even_after_submodule_imports() -> None:
    import parsers.extraction

    for name in ("extract", "parse", "parse_text", "parse_path", "document_fields"):
        assert callable(getattr(parsers, name)), name
    assert parsers.parse_text("一、总则\n（一）适用范围。本办法适用于全市。").clauses


def test_passing_records_around_does_not_load_the_extractors() -> None:
    code = (
        "import sys, monitor.check.cycle, monitor.check.items, monitor.check.versions,"
        " monitor.json_shapes, monitor.daemon.service, state.store;"
        "print(sorted(m for m in ('lxml', 'docx', 'pypdf', 'parsers.api') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
