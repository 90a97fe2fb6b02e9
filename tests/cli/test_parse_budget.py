"""`parse` and `diff` read in the worker too (#16, break 5): a hostile PDF ends the command
with one clear line at `[reader] cpu_limit` instead of holding it for minutes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.check.hostile import nested_forms_pdf

ENTRY = "from monitor.cli import main; main()"
FINAL = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "zjtx-final-a.txt"


def test_parse_and_diff_stop_at_the_cpu_limit(tmp_path: Path) -> None:
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(nested_forms_pdf())
    (tmp_path / "policywatch.toml").write_text('[reader]\ncpu_limit = "1s"\n')
    for args in (["parse", str(slow)], ["diff", str(FINAL), str(slow)]):
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", ENTRY, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert time.monotonic() - started < 30
        assert result.returncode == 1, result.stderr
        assert "slow.pdf: ReadLimitError: reading took more than 1s of CPU" in result.stderr
