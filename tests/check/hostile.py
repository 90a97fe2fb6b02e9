"""Hostile input built in the tests (#16, break 5): a PDF of a few kilobytes that costs pypdf
minutes of CPU, and functions that misbehave inside a reading worker."""

from __future__ import annotations

import io


def _pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF file of numbered objects (1: catalog) with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
    xref = out.tell()
    size = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for number in range(1, size):
        if number in offsets:
            out.write(b"%010d 00000 n \n" % offsets[number])
        else:
            out.write(b"0000000000 65535 f \n")
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (extra, len(data), data)


def _page_objects(resources: bytes, content: bytes, pages: int = 1) -> dict[int, bytes]:
    """Catalog (1), page tree (2), content stream (4), font (5); pages 3 and from 100 on, all
    drawing the same content."""
    numbers = [3, *range(100, 100 + pages - 1)]
    kids = b" ".join(b"%d 0 R" % n for n in numbers)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        4: content,
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for number in numbers:
        objects[number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
            + resources
            + b" /Contents 4 0 R >>"
        )
    return objects


def nested_forms_pdf(depth: int = 6, fan: int = 4, pages: int = 40) -> bytes:
    """Form XObjects that each draw the next one `fan` times, on every page: pypdf's text
    extraction walks fan ** depth forms per page (it stops at 5,000 invocations a page, a few
    seconds of CPU; 40 pages make minutes) in under 10 KB."""
    first = 6
    names = b" ".join(b"/X%d %d 0 R" % (i, first + i) for i in range(depth))
    resources = b"<< /Font << /F1 5 0 R >> /XObject << %s >> >>" % names

    def draws(level: int) -> bytes:
        calls = b" ".join(b"/X%d Do" % level for _ in range(fan))
        return b"BT /F1 12 Tf 10 10 Td (a) Tj ET " + calls

    objects = _page_objects(resources, _stream(draws(0)), pages)
    for i in range(depth):
        body = draws(i + 1) if i + 1 < depth else b"BT /F1 12 Tf (leaf) Tj ET"
        form = b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources " + resources
        objects[first + i] = _stream(body, form)
    return _pdf(objects)


def allocate(mb: int) -> int:
    """Run in a worker: take `mb` MiB at once (a parser inflating a bomb)."""
    return len(bytearray(mb << 20))


def stuck(seconds: float) -> str:
    """Run in a worker: wait without using CPU (as a read blocked in C code would)."""
    import time

    time.sleep(seconds)
    return "woke up"


class AwkwardError(ValueError):
    """An exception whose __init__ does not take its own args: it does not unpickle as is."""

    def __init__(self, code: int, why: str) -> None:
        super().__init__(f"{code}: {why}")


def raise_awkward() -> None:
    """Run in a worker: fail with an exception that cannot cross the pipe unchanged."""
    raise AwkwardError(7, "no format we read")
