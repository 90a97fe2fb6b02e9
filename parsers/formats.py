"""What a file is, from its bytes (magic numbers, ZIP members, OLE streams), never its name.

    sniff(data) -> Sniffed | None    a binary signature's format, or None for text-like bytes

Formats read: PDF, DOCX, OFD (a ZIP holding `OFD.xml`), Word 97-2003 binaries (a CFB with a
`WordDocument` stream: `.doc`, and Kingsoft WPS `.wps`, which is the same format), Microsoft
Works `.wps` (CFB with `CONTENTS`) and RTF (`{\\rtf`), the last three through LibreOffice.
Everything else with a signature (images, spreadsheets, archives, encrypted Office files,
executables) is `Sniffed(media_type=None, ...)`: the caller raises `UnsupportedFormatError`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from parsers.archive import ZIP_ERRORS
from parsers.errors import ExtractionError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
WORKS = "application/vnd.ms-works"
RTF = "application/rtf"
OFD = "application/ofd"

# Declared types that name a binary document: text content under one of them is an error page,
# not the document (see `parsers.extraction.extract`).
BINARY_DOCUMENT_TYPES = frozenset(
    {
        PDF,
        DOCX,
        DOC,
        WORKS,
        RTF,
        OFD,
        "text/rtf",
        "application/kswps",
        "application/wps-office.wps",
        "application/wps-office.doc",
        "application/wps-office.docx",
        "application/vnd.ofd",
        "application/zip",
        "application/x-zip-compressed",
    }
)
# Declared types that say nothing: the content decides.
GENERIC_TYPES = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/x-download",
        "application/download",
        "application/force-download",
        "application/unknown",
    }
)

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "ELF executable"),
    (b"%!PS", "PostScript"),
)
_ZIP_KINDS: tuple[tuple[str, str | None, str], ...] = (
    # (member, media type or None when unsupported, what it is)
    ("word/document.xml", DOCX, "DOCX document"),
    ("OFD.xml", OFD, "OFD document"),
    ("xl/workbook.xml", None, "Excel workbook (.xlsx)"),
    ("ppt/presentation.xml", None, "PowerPoint presentation (.pptx)"),
)
_OLE_KINDS: tuple[tuple[str, str | None, str], ...] = (
    ("WordDocument", DOC, "Word 97-2003 document (.doc/.wps)"),
    ("EncryptedPackage", None, "password-protected Office document"),
    ("Workbook", None, "Excel 97-2003 workbook (.xls)"),
    ("Book", None, "Excel 5 workbook (.xls)"),
    ("PowerPoint Document", None, "PowerPoint 97-2003 presentation (.ppt)"),
    ("CONTENTS", WORKS, "Microsoft Works document (.wps)"),
)


@dataclass(frozen=True, slots=True)
class Sniffed:
    """A format found by content: its media type (None: not one we read) and what it is."""

    media_type: str | None
    name: str


def sniff(data: bytes) -> Sniffed | None:
    """The format of `data` by its signature; None when it looks like text (HTML, JSON, text)."""
    head = data[:1024]
    if b"%PDF-" in head:
        return Sniffed(PDF, "PDF document")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(_CFB):
        return _ole_kind(data)
    if head.lstrip().startswith(b"{\\rtf"):
        return Sniffed(RTF, "RTF document")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed(None, "WebP image")
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return Sniffed(None, name)
    if _binary(data):
        return Sniffed(None, "binary data")
    return None


def _binary(data: bytes) -> bool:
    """NUL bytes in the first 8 KiB, unless a UTF-16/32 byte-order mark explains them."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return False
    return b"\x00" in head


def _zip_kind(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            mimetype = package.read("mimetype")[:100] if "mimetype" in names else b""
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"not a readable ZIP package: {exc}") from exc
    lower = {name.lower() for name in names}
    for member, media_type, name in _ZIP_KINDS:
        if member.lower() in lower:
            return Sniffed(media_type, name)
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return Sniffed(None, f"OpenDocument file ({mimetype.decode('ascii', 'replace')})")
    return Sniffed(None, "ZIP archive")


def _ole_kind(data: bytes) -> Sniffed:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, KeyError) as exc:  # olefile's damaged-file errors
        raise ExtractionError(f"not a readable OLE compound file: {exc}") from exc
    for stream, media_type, name in _OLE_KINDS:
        if stream in streams:
            return Sniffed(media_type, name)
    return Sniffed(None, "OLE compound file")


def looks_like_html(data: bytes) -> bool:
    """True when the start of text-like bytes is an HTML document."""
    head = data[:2048].lower()
    return b"<html" in head or b"<!doctype html" in head or b"<body" in head


def looks_like_json(data: bytes) -> bool:
    """True when text-like bytes start as a JSON object or array."""
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
