"""A scanned page as bureaus attach them: paragraphs of Chinese text drawn on a grey A4 image
(WenQuanYi Micro Hei, `make browser` installs it) and wrapped in an image-only PDF, which has no
text layer, so policywatch must OCR it."""

from __future__ import annotations

import io
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DPI = 200
PAGE = (1654, 2339)  # A4 at 200 dpi
MARGIN = 160
SIZE = 40  # px: about 5 mm, a 公文's 三号 type


def _lines(paragraph: str, width: int, advance: float) -> list[str]:
    per_line = max(1, int(width // advance))
    return [paragraph[i : i + per_line] for i in range(0, len(paragraph), per_line)] or [""]


def scanned_pdf(paragraphs: list[str]) -> bytes:
    """One image-only PDF page holding `paragraphs` (as many as fit on A4), as a scanner gives
    it; the page ends below the last line (the less there is to OCR, the faster the tests)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), SIZE)
    image = Image.new("L", PAGE, color=250)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for paragraph in paragraphs:
        for line in _lines(paragraph, PAGE[0] - 2 * MARGIN, SIZE * 1.02):
            if y + SIZE > PAGE[1] - MARGIN:
                break
            draw.text((MARGIN, y), line, fill=20, font=font)
            y += int(SIZE * 1.6)
    image = image.crop((0, 0, PAGE[0], min(PAGE[1], y + MARGIN)))  # a slip: less to OCR
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=DPI)
    return buffer.getvalue()
