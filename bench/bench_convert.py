"""Benchmark: reading the draft through the local programs, wall time per file / page.

LibreOffice (.doc -> DOCX, a fresh profile per conversion) and OCR (pdftoppm at 200 dpi +
Tesseract chi_sim on one core) of the draft's first page as a scan. Run:
python bench/bench_convert.py [RUNS]
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import parsers

DOCX = Path(__file__).resolve().parents[1] / (
    "tests/fixtures/site/2022-06-20/attachment/0/98/98865/9886501.docx"
)


def _soffice(source: Path, target: str) -> Path:
    folder = source.parent
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(folder / 'p').as_uri()}", "--headless"]
        + ["--convert-to", target, "--outdir", str(folder), str(source)],
        check=True,
        capture_output=True,
    )
    return folder / f"{source.stem}.{target}"


def _scan(pdf: Path) -> bytes:
    from PIL import Image

    out = pdf.parent / "scan"
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "200", "-gray", "-png", "-singlefile"]
        + [str(pdf), str(out)],
        check=True,
    )
    buffer = io.BytesIO()
    Image.open(f"{out}.png").save(buffer, format="PDF", resolution=200)
    return buffer.getvalue()


def timed(data: bytes, media_type: str, runs: int) -> list[float]:
    """Seconds per parse."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parsers.parse(data, media_type)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Print the median and spread of RUNS parses per case."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "draft.docx"
        source.write_bytes(DOCX.read_bytes())
        doc = _soffice(source, "doc").read_bytes()
        scan = _scan(_soffice(source, "pdf"))
    cases = {
        "doc via LibreOffice": (doc, "application/msword"),
        "scanned page OCR": (scan, "application/pdf"),
    }
    for name, (data, media_type) in cases.items():
        times = timed(data, media_type, runs)
        print(
            f"{name:20s} median {statistics.median(times):5.2f} s  "
            f"min {min(times):5.2f} s  max {max(times):5.2f} s  (n={runs})"
        )


if __name__ == "__main__":
    main()
