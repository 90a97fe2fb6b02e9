"""Chinese numerals: `三十二` -> 32, `一百零五` -> 105, and back (`int_to_cn`)."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGITS.update({"七": 7, "八": 8, "九": 9})
_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千"


def cn_to_int(text: str) -> int | None:
    """Value of a Chinese (or Arabic) numeral up to the thousands; None if not a numeral."""
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            if digit is not None and digit != 0:  # "一二" is not a numeral
                return None
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


_CN = "零一二三四五六七八九"


def int_to_cn(value: int) -> str:
    """Chinese numeral for 0..9999 as documents write it (`11` -> `十一`, `105` -> `一百零五`)."""
    if value < 10:
        return _CN[value]
    if value < 20:
        return "十" + (_CN[value - 10] if value > 10 else "")
    parts: list[str] = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // unit % 10
        if value < unit:
            continue
        if digit == 0:
            zero = True
            continue
        if zero and parts:
            parts.append("零")
        zero = False
        parts.append(_CN[digit] + name)
    return "".join(parts)
