"""How to comment on a draft: the feedback channels a consultation notice gives.

`find_feedback(text)` reads the notice's (or the draft's own preamble's) text and returns the
channels in the order the notice lists them: e-mail addresses, postal addresses (with the
postcode), online platforms (a URL, or the platform's quoted name when the notice gives none)
and fax numbers, each with the instruction the notice attaches ("邮件标题请注明“…”字样").
Pure: text in, records out.
"""

from __future__ import annotations

import re

from parsers.model import FeedbackChannel

# An e-mail address as notices write it (ASCII; a trailing full stop is not part of it).
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A web address, with or without its scheme.
_URL = re.compile(
    r"(?:https?://[A-Za-z0-9.-]+|www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)[A-Za-z0-9/._~%?#=&:+-]*"
)
# Lines about submitting comments (and not about complaints or questions).
_SUBMIT = re.compile(r"意见|建议|反馈|征求|征集|提交|发送至|寄至|邮寄|传真")
_ENQUIRY = re.compile(r"投诉|咨询电话|咨询邮箱|举报")
# Postal address: after 邮寄至/寄至/寄送至/地址：, up to the postcode or the end of the clause.
_POST_LINE = re.compile(r"信函|邮寄|寄至|寄送|寄到|通信地址|通讯地址|邮政编码|邮编")
_POST = re.compile(
    r"(?:邮寄至|邮寄到|寄送至|寄至|寄到|通信地址|通讯地址|地址)\s*[：:]?\s*"
    r"(?P<address>[^，。；;（(\n]{6,80}?)\s*(?=[（(]?\s*(?:邮编|邮政编码)|[，。；;（(]|$)"
)
_POSTCODE = re.compile(r"(?:邮编|邮政编码)\s*[：:]?\s*(\d{6})")
# Online platforms: the line says where to log in, and quotes the platform or column name.
_ONLINE_LINE = re.compile(r"登录|登陆|网站|网上|在线|平台|栏目|专栏|系统|小程序|客户端")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,60})[”\"」』]")
_PLATFORM_WORDS = re.compile(r"网站|平台|栏目|专栏|系统|小程序|客户端|征集|调查|互动")
_FAX = re.compile(
    r"传真(?:号码)?\s*(?:至|到|发送至)?\s*[：:]?\s*(?P<number>[0-9][0-9\-－—（）() ]{6,20}\d)"
)
# "…请注明“规范性文件征求意见”字样": what the notice asks senders to write.
_MARK = re.compile(r"[^，。；;]*注明\s*[“\"][^”\"]{1,40}[”\"]\s*(?:字样)?")
_LEADING_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+[、.．)]|[（(][一二三四五六七八九十\d]+[）)])\s*"
)


def find_feedback(text: str) -> tuple[FeedbackChannel, ...]:
    """The feedback channels of a notice's text, in order, each once."""
    found: list[FeedbackChannel] = []
    seen: set[tuple[str, str]] = set()
    for raw in text.split("\n"):
        line = _LEADING_NUMBER.sub("", raw.strip())
        if not line or not _SUBMIT.search(line) or _ENQUIRY.search(line):
            continue
        for channel in _channels(line):
            key = (channel.kind, channel.value)
            if key not in seen:
                seen.add(key)
                found.append(channel)
    return tuple(found)


def _channels(line: str) -> list[FeedbackChannel]:
    """Every channel one line (one paragraph of the notice) names, in the order written."""
    mark = _mark(line)
    positioned: list[tuple[int, FeedbackChannel]] = []
    for match in _EMAIL.finditer(line):
        channel = FeedbackChannel(kind="email", value=match.group(0).rstrip("."), note=mark)
        positioned.append((match.start(), channel))
    if _POST_LINE.search(line):
        positioned.extend(_post(line, mark))
    if _ONLINE_LINE.search(line):
        positioned.extend(_online(line))
    for match in _FAX.finditer(line):
        number = re.sub(r"\s+", "", match.group("number"))
        positioned.append((match.start(), FeedbackChannel(kind="fax", value=number)))
    positioned.sort(key=lambda pair: pair[0])
    return [channel for _, channel in positioned]


def _mark(line: str) -> str | None:
    found = _MARK.search(line)
    if not found:
        return None
    return found.group(0).strip().lstrip("并").strip() or None


def _post(line: str, mark: str | None) -> list[tuple[int, FeedbackChannel]]:
    found = _POST.search(line)
    if not found:
        return []
    address = found.group("address").strip()
    if _EMAIL.search(address) or _URL.search(address):
        return []
    postcode = _POSTCODE.search(line)
    channel = FeedbackChannel(
        kind="post", value=address, postcode=postcode.group(1) if postcode else None, note=mark
    )
    return [(found.start(), channel)]


def _online(line: str) -> list[tuple[int, FeedbackChannel]]:
    platform = next(
        (q for q in _QUOTED.findall(line) if _PLATFORM_WORDS.search(q) and "注明" not in q),
        None,
    )
    urls = [m for m in _URL.finditer(line) if "@" not in line[max(0, m.start() - 1) : m.start()]]
    if urls:
        return [
            (m.start(), FeedbackChannel(kind="online", value=_full_url(m.group(0)), note=platform))
            for m in urls
        ]
    if platform is not None and re.search(r"登录|登陆|通过|在", line):
        start = line.find(platform)
        return [(start, FeedbackChannel(kind="online", value=platform))]
    return []


def _full_url(url: str) -> str:
    url = url.rstrip(".:/-") if not url.endswith("/") else url
    return url if url.startswith(("http://", "https://")) else f"http://{url}"
