"""Decoding bytes to text and normalising Chinese policy text before structure is read.

Charset order: the HTTP charset, then a BOM, then `<meta charset>` (HTML only), then
detection (strict UTF-8 first, then charset-normalizer). GB2312 and GBK are read as GB18030,
their superset, because pages labelled GB2312 routinely use GBK characters.

Normalisation (`normalise`) gives one canonical form, so that renditions compare equal:
- full-width letters and digits become ASCII (`２０２２` -> `2022`, `％` -> `%`);
- ASCII punctuation in Chinese text becomes full-width (`,` `:` `;` `(` `)` `!` `?`),
  except inside numbers (`1,000`, `10:30`) and URLs (`http://`);
- U+00A0, U+3000, tabs and other spaces become one space; spaces between Chinese characters
  or full-width punctuation are dropped; each line is stripped; empty lines are dropped;
- control characters other than tab and newline (C0, DEL, C1, U+FFFE/U+FFFF) are removed: no
  output format (XML feeds, DOCX exports, terminals) may see them;
- page furniture lines (浏览次数, 分享到, 打印, 上一篇/下一篇, 【字体：大 中 小】, footer...) are
  dropped. Traditional characters are left as they are (comparison folds them: `parsers.hanzi`).
"""

from __future__ import annotations

import codecs
import re

from parsers.errors import ExtractionError

_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)


def canonical_charset(name: str | None) -> str | None:
    """Python codec name for a declared charset (GB2312/GBK -> gb18030), None if unknown."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def _try(data: bytes, charset: str | None) -> str | None:
    if charset is None:
        return None
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> tuple[str, str]:
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    name = canonical_charset(best.encoding) if best is not None else None
    if name is not None:
        text = _try(data, name)
        if text is not None:
            return text, name
    return data.decode("gb18030", errors="replace"), "gb18030"


def decode(data: bytes, *, charset: str | None = None, html: bool = False) -> tuple[str, str]:
    """Decode bytes to text, returning `(text, encoding)` (see the module docstring)."""
    if not data:
        raise ExtractionError("empty document")
    name = canonical_charset(charset)
    text = _try(data, name)
    if text is not None and name is not None:
        return text.lstrip("\ufeff"), name
    for bom, bom_charset in _BOMS:
        if data.startswith(bom):
            text = _try(data, bom_charset)
            if text is not None:
                return text.lstrip("\ufeff"), bom_charset
    if html:
        match = _META_CHARSET.search(data[:4096])
        name = canonical_charset(match.group(1).decode("ascii")) if match else None
        text = _try(data, name)
        if text is not None and name is not None:
            return text, name
    return _detect(data)


# --- normalisation -------------------------------------------------------------------------

_WIDTH: dict[int, int | str | None] = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}  # digits
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})  # A-Z
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})  # a-z
_WIDTH.update({ord("％"): "%", ord("．"): ".", ord("＋"): "+", ord("－"): "-", ord("／"): "/"})
_WIDTH.update({ord(c): " " for c in "\u00a0\u3000\u2002\u2003\u2009\u200a\u202f\u205f\t\f\v"})
_WIDTH.update({ord(c): None for c in "\u200b\u200c\u200d\ufeff\u00ad"})
_WIDTH.update({ord("\r"): "\n", 0x2028: "\n", 0x2029: "\n", 0x85: "\n"})
_WIDTH.update({ord("〈"): "《", ord("〉"): "》"})
_CONTROLS = [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0x85), *range(0x86, 0xA0)]
_WIDTH.update({cp: None for cp in (*_CONTROLS, 0x0B, 0x0C, 0xFFFE, 0xFFFF) if cp not in _WIDTH})

_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_WIDTH)) + "]")

_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}
_PUNCT = re.compile(r"(?<!\d),|,(?!\d)|:(?!//)(?!\d)|;|\(|\)|!|\?")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’《》…—·"
_SPACE_BETWEEN = re.compile(rf"(?<=[{_CJK}]) +|(?<=[0-9A-Za-z]) +(?=[{_CJK}])")
_SPACES = re.compile(r" {2,}")
_PUNCT_CHAR = re.compile(r"[,:;()!?]")  # what `_PUNCT` can replace

_FURNITURE = re.compile(
    r"^(?:图片|简\s*\|\s*繁|无障碍|视力保护色|打印|关闭|分享到.*|浏览次数.*|访问量.*|"
    r"【?字体[：:]?\s*[【\[]?\s*大\s*中\s*小.*|上一篇.*|下一篇.*|当前位置.*|"
    r"主办单位.*|承办单位.*|网站标识码.*|.*ICP备.*|.*公网安备.*|投诉/咨询.*|"
    r"版权所有.*|技术支持.*|扫一扫.*|微信|微博|返回顶部|【?打印本页】?|【?关闭窗口】?)$"
)


def _fullwidth(match: re.Match[str]) -> str:
    return _FULL[match.group(0)]


def strip_controls(text: str) -> str:
    """`text` without control characters other than tab and newline (titles, metadata)."""
    return _CONTROL.sub("", text)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def normalise_line(line: str) -> str:
    """One line in canonical form (widths, spaces), without furniture filtering."""
    return _normalise_folded(_fold(line))


def _fold(text: str) -> str:
    """`text.translate(_WIDTH)`, skipped when no character needs it (the usual case)."""
    return text.translate(_WIDTH) if _NEEDS_FOLD.search(text) else text


def _normalise_folded(line: str) -> str:
    # Each substitution only where it can apply (most lines of a Chinese page have no ASCII
    # punctuation and no spaces): the same result, a third of the parse's regex time.
    if _PUNCT_CHAR.search(line):
        line = _PUNCT.sub(_fullwidth, line)
    if " " in line:
        line = _SPACE_BETWEEN.sub("", line)
        if "  " in line:
            line = _SPACES.sub(" ", line)
    return line.strip()


def is_furniture(line: str) -> bool:
    """True for page furniture that must never reach the clause tree."""
    return _FURNITURE.match(line) is not None


def normalise(text: str) -> str:
    """Canonical text: normalised lines, furniture and empty lines dropped, joined by \\n."""
    out: list[str] = []
    for raw in _fold(text).split("\n"):
        if not raw:  # most are: a block element gives a line break before and after it
            continue
        line = _normalise_folded(raw)
        if line and not is_furniture(line):
            out.append(line)
    return "\n".join(out)


_END = "。；：！？”’」』）》.;:!?"


def display_width(line: str) -> float:
    """Printed width in CJK characters: ASCII counts half."""
    return sum(0.5 if ord(c) < 128 else 1.0 for c in line)


def join_wrapped(lines: list[str], width: float | None = None) -> list[str]:
    """Join hard-wrapped lines (PDF): a nearly full line not ending a sentence continues."""
    if width is None:
        width = max((display_width(x) for x in lines), default=0)
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and out:
            out[-1] += line
        else:
            out.append(line)
        full = display_width(out[-1].rsplit("\n", 1)[-1]) >= max(width * 0.8, 8)
        joining = full and line[-1:] not in _END
    return out
