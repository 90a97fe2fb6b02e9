"""Formats are found by content: what we do not read is `UnsupportedFormatError`, exit 2."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import parsers
from monitor.cli import cli
from parsers.formats import sniff


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
PLAIN_ZIP = _zip({"readme.txt": b"hello"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BINARY = b"\x01\x02\x00\x00\x10garbage\x00" * 20


@pytest.mark.parametrize(
    ("name", "data", "detected"),
    [
        ("table.xlsx", XLSX, "Excel workbook (.xlsx)"),
        ("draft.odt", ODT, "OpenDocument file (application/vnd.oasis.opendocument.text)"),
        ("files.zip", PLAIN_ZIP, "ZIP archive"),
        ("scan.png", PNG, "PNG image"),
        ("draft.docx", PNG, "PNG image"),  # the name does not decide
        ("blob.xyz", BINARY, "binary data"),
    ],
    ids=["xlsx", "odt", "zip", "png", "png-named-docx", "binary"],
)
def test_unsupported_formats_say_what_they_are(
    name: str, data: bytes, detected: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    suffix = Path(name).suffix
    with pytest.raises(parsers.UnsupportedFormatError) as caught:
        parsers.parse_path(path)
    assert str(caught.value) == f"{suffix} (detected: {detected})"
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exit_code == 2, result.output
    assert f"UnsupportedFormatError: {suffix} (detected: {detected})" in result.output
    with pytest.raises(parsers.UnsupportedFormatError):  # served over HTTP with any type
        parsers.extract(data, "application/octet-stream", url=f"http://h/{name}")


def test_ole_files_other_than_word_are_unsupported(renditions: dict[str, Path]) -> None:
    doc = renditions["doc"].read_bytes()
    found = sniff(doc)
    assert found is not None and found.name == "Word 97-2003 document (.doc/.wps)"
    # The same compound file with its WordDocument stream renamed in its directory entry
    # (64 bytes of UTF-16 name, then the name's length): an .xls has `Workbook` there.
    entry = doc.index("WordDocument".encode("utf-16-le"))
    name = "Workbook\0".encode("utf-16-le").ljust(64, b"\0")
    renamed = doc[:entry] + name[:64] + (18).to_bytes(2, "little") + doc[entry + 66 :]
    found = sniff(renamed)
    assert found is not None and found.media_type is None
    assert found.name == "Excel 97-2003 workbook (.xls)"


def test_a_directory_is_a_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.output
    result = CliRunner().invoke(cli, ["diff", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.output


def test_diff_of_an_unsupported_file_exits_2(tmp_path: Path, fixtures: Path) -> None:
    image = tmp_path / "page.png"
    image.write_bytes(PNG)
    seed = fixtures / "texts/seed-article.txt"
    result = CliRunner().invoke(cli, ["diff", str(seed), str(image)])
    assert result.exit_code == 2
    assert "UnsupportedFormatError: .png (detected: PNG image)" in result.output


@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("application/pdf", b"<html><body>404 Not Found</body></html>"),
        ("application/msword", "登录后下载".encode()),
    ],
    ids=["error-page-as-pdf", "text-as-doc"],
)
def test_text_served_as_a_document_is_an_error_not_the_document(declared: str, data: bytes) -> None:
    with pytest.raises(parsers.ExtractionError, match="not the document"):
        parsers.extract(data, declared)


def test_html_and_json_served_as_octet_stream_are_read(fixtures: Path) -> None:
    post = fixtures / "site/2022-12-30/postmeta/p/10/10358/10358920.json"
    doc = parsers.parse(post.read_bytes(), "application/octet-stream")
    assert doc.extractor == "postmeta" and doc.clauses
    seed = (fixtures / "texts/seed-article.txt").read_bytes()
    assert parsers.parse(seed, "application/octet-stream").extractor == "text"
