"""Fixtures for the parser tests: paths into tests/fixtures, and the draft in other formats.

The heavy ones run once per session and are shared: LibreOffice writes the replica's draft
DOCX as .doc, .wps, .rtf and PDF; the scanned PDF is the PDF's first page rendered to an image
and wrapped in an image-only PDF; each is parsed once (`parsed_renditions`).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import parsers
from parsers.model import PolicyDocument

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DRAFT_DOCX = FIXTURES / "site/2022-06-20/attachment/0/98/98865/9886501.docx"
SCAN_DPI = 200


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The tests/fixtures folder."""
    return FIXTURES


@pytest.fixture(scope="session")
def draft_docx() -> bytes:
    """The replica's draft for comment, as the bureau attached it (DOCX)."""
    return DRAFT_DOCX.read_bytes()


def _soffice(source: Path, target: str, out: Path, profile: Path) -> Path:
    """LibreOffice's own conversion of `source` (the tests' tool, not the parser's)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: run `make office`")
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
        + ["--convert-to", target, "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out / f"{source.stem}.{target.split(':')[0]}"


@pytest.fixture(scope="session")
def renditions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The draft as .doc, .wps (LibreOffice's Word 97 filter: what Kingsoft WPS writes), .rtf,
    a text PDF and a scanned (image-only) PDF of its first page."""
    folder = tmp_path_factory.mktemp("renditions")
    source = folder / "draft.docx"
    source.write_bytes(DRAFT_DOCX.read_bytes())
    profile = folder / "profile"
    out = {kind: _soffice(source, kind, folder, profile) for kind in ("doc", "wps", "rtf", "pdf")}
    out["scan"] = _scanned_first_page(out["pdf"], folder)
    yield out


def _scanned_first_page(pdf: Path, folder: Path) -> Path:
    """Page 1 rendered to a grey image (as a scanner would), then an image-only PDF."""
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", str(SCAN_DPI), "-gray", "-png", "-singlefile"]
        + [str(pdf), str(folder / "scan")],
        check=True,
        timeout=120,
    )
    image = Image.open(folder / "scan.png")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=SCAN_DPI)
    path = folder / "scan.pdf"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="session")
def parsed_renditions(renditions: dict[str, Path]) -> dict[str, PolicyDocument]:
    """Each rendition but the text PDF parsed once by `parsers.parse_path` (LibreOffice, OCR).

    (LibreOffice's text PDF sets the quotes of “小巨人” apart from their line, which pypdf
    returns out of order: a limit of the PDF text layer reader, not of these formats.)"""
    kinds = ("doc", "wps", "rtf", "scan")
    return {kind: parsers.parse_path(renditions[kind]) for kind in kinds}


@pytest.fixture(scope="session")
def draft(draft_docx: bytes) -> PolicyDocument:
    """The draft DOCX parsed."""
    return parsers.parse(draft_docx, "application/octet-stream")
