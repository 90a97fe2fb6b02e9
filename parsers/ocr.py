"""Text of PDF pages that have no text layer (scans): each page rendered by pdftoppm (poppler)
and read by Tesseract with its Simplified Chinese model (`chi_sim`), one page at a time, each
step under the budget of `parsers.tools.run`.

OCR text can be wrong (a misread character, a dropped line): documents read this way say so
(`Extracted.ocr`, `PolicyDocument.ocr`), and no one should present them as certain.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from parsers.errors import ToolError
from parsers.tools import Budget, find, run

DPI = 200  # measured: 150 misreads characters, 300 costs 1.7x the time for no gain
LANGUAGE = "chi_sim"


def ocr_pages(data: bytes, pages: list[int], *, budget: Budget) -> dict[int, str]:
    """The OCR text of the given 1-based pages of a PDF, page by page."""
    pdftoppm, tesseract = find("pdftoppm"), find("tesseract")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core: a check never takes both
    out: dict[int, str] = {}
    start = time.monotonic()  # the document's budget, not a date: parsers read no clock
    with tempfile.TemporaryDirectory(prefix="policywatch-ocr-") as tmp:
        folder = Path(tmp)
        (folder / "in.pdf").write_bytes(data)
        for number in pages:
            image = f"page-{number}"
            render = [pdftoppm, "-f", str(number), "-l", str(number), "-r", str(DPI)]
            step = budget.within(time.monotonic() - start)
            run([*render, "-gray", "-png", "-singlefile", "in.pdf", image], budget=step, cwd=folder)
            step = budget.within(time.monotonic() - start)
            out[number] = _tesseract([tesseract, f"{image}.png"], step, folder, env)
            (folder / f"{image}.png").unlink()
    return out


def _tesseract(argv: list[str], budget: Budget, folder: Path, env: dict[str, str]) -> str:
    try:
        text = run(
            [*argv, "stdout", "-l", LANGUAGE, "--psm", "6"], budget=budget, cwd=folder, env=env
        )
    except ToolError as exc:
        if LANGUAGE in str(exc):
            raise ToolError(
                f"Tesseract has no {LANGUAGE} model: install tesseract-ocr-chi-sim"
            ) from exc
        raise
    return text.decode("utf-8", "replace")
