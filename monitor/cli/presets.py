"""Configuration files written by `policywatch init --preset NAME` (`--list-presets` lists them).

`example` is a commented starting point. The others watch bureaus of 深圳市 on the city's 集约化
platform, the one gxj.sz.gov.cn runs on (NFCMS column lists and JSON, the gkmlpt
政府信息公开目录): one preset per bureau, and `sz-all` for all of them in one file. Each is
rendered from a `Bureau`: its host, its sources, and what is still to be confirmed against the
live site. The presets beyond gxj-sz were written without access to the sites: their column
paths are the ones public scrapers of them use, and a column or category id nobody published is
left to the operator as a commented-out source saying where to find it, never guessed.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

UNCONFIRMED = "to be confirmed against the live site"
# Words in the titles of policy documents and of the notices that carry their drafts.
POLICY_WORDS = ("措施", "办法", "细则", "规定", "方案", "征求意见")


@dataclass(frozen=True, slots=True, kw_only=True)
class Watch:
    """One `[[source]]` of a preset, on its bureau's host."""

    name: str
    kind: str  # html-list | postmeta | gkmlpt
    path: str  # on the bureau's host; `<column>` / `<category>`: an id still to be found
    note: str  # what the column is (the comment on the source's name)
    every: str = "1h"
    keywords: tuple[str, ...] = POLICY_WORDS
    selectors: tuple[str, ...] = ()  # html-list: the column's item markup, where it is known
    max_pages: int | None = None
    confirmed: bool = False  # False: the path is a public scraper's, `UNCONFIRMED`

    def toml(self, host: str) -> list[str]:
        """The `[[source]]` table's lines."""
        note = self.note if self.confirmed else f"{self.note} ({UNCONFIRMED})"
        lines = [
            "[[source]]",
            f"name = {_string(self.name)}  # {note}",
            f"kind = {_string(self.kind)}",
            f"url = {_string(f'http://{host}{self.path}')}",
            f"every = {_string(self.every)}",
            f"keywords = {_strings(self.keywords)}",
        ]
        if self.selectors:
            lines.append(f"selectors = {_strings(self.selectors)}")
        if self.max_pages is not None:
            lines.append(f"max_pages = {self.max_pages}")
        return lines


@dataclass(frozen=True, slots=True, kw_only=True)
class Bureau:
    """A bureau of 深圳市 on the 集约化 platform, as one preset."""

    preset: str  # `init --preset` name
    name: str  # 深圳市科技创新局
    english: str
    host: str
    watches: tuple[Watch, ...]
    templates: tuple[Watch, ...] = ()  # written commented out: an id must be found first
    unconfirmed: tuple[str, ...] = ()  # what to confirm against the live site, one line each

    def sources(self) -> list[str]:
        """The `[[source]]` tables, then the commented-out ones."""
        lines: list[str] = []
        for watch in self.watches:
            lines += ["", *watch.toml(self.host)]
        for watch in self.templates:
            lines += ["", f"# {self.name}: fill in the id, then remove the '# ' of these lines."]
            lines += [f"# {line}" for line in watch.toml(self.host)]
        return lines


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _strings(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _postmeta(prefix: str) -> Watch:
    return Watch(
        name=f"{prefix}-postmeta",
        kind="postmeta",
        path="/postmeta/i/<column>.json",
        note="NFCMS JSON feed of a column: body and attachments in one GET per article",
    )


def _notices(prefix: str, path: str, note: str, **more: Any) -> Watch:
    """A bureau's 通知公告 list, where consultation notices appear: every 30 minutes, 2 pages."""
    return Watch(
        name=f"{prefix}-tzgg",
        kind="html-list",
        path=path,
        note=note,
        every="30m",
        max_pages=2,
        **more,
    )


def _policies(name: str, path: str, note: str, **more: Any) -> Watch:
    """A bureau's list of policy documents (finals), hourly."""
    return Watch(name=name, kind="html-list", path=path, note=note, **more)


def _gkmlpt(prefix: str, category: str = "<category>", *, note: str = "") -> Watch:
    return Watch(
        name=f"{prefix}-gkmlpt",
        kind="gkmlpt",
        path=f"/gkmlpt/api/all/{category}",
        every="6h",
        note=note or "政府信息公开目录 category: carries is_expired / is_abolished flags",
    )


_FIND_COLUMN = (
    "the NFCMS column ids of the postmeta feed (commented out below): a column page's source"
    " or the browser's network tab shows /postmeta/i/<id>.json"
)


def _find_category(host: str) -> str:
    return (
        f"window._CONFIG.TREE in the source of http://{host}/gkmlpt/index lists each category's"
        " id and name (规范性文件, 通知公告…)"
    )


GXJ = Bureau(
    preset="gxj-sz",
    name="深圳市工业和信息化局",
    english="Bureau of Industry and Information Technology",
    host="gxj.sz.gov.cn",
    watches=(
        Watch(
            name="gxj-tzgg",
            kind="html-list",
            path="/xxgk/xxgkml/qt/tzgg/index.html",
            note="通知公告: consultation notices (征求意见稿) appear here",
            every="30m",
            keywords=("专精特新", "若干措施", "征求意见"),
            max_pages=2,
            confirmed=True,
        ),
        Watch(
            name="gxj-gygh",
            kind="html-list",
            path="/xxgk/xxgkml/zcfgjzcjd/gygh/index.html",
            note="规范性文件 (深工信规): finals",
            keywords=("专精特新", "若干措施"),
            confirmed=True,
        ),
        Watch(
            name="gxj-postmeta",
            kind="postmeta",
            path="/postmeta/i/61057.json",
            note="NFCMS JSON feed of 政策法规及政策解读 (column 61057)",
            keywords=("专精特新", "若干措施"),
            confirmed=True,
        ),
        Watch(
            name="gxj-gkmlpt",
            kind="gkmlpt",
            path="/gkmlpt/api/all/3115",
            every="6h",
            note="政府信息公开目录: carries is_expired / is_abolished flags",
            keywords=("专精特新", "若干措施"),
            confirmed=True,
        ),
    ),
)

STIC = Bureau(
    preset="stic-sz",
    name="深圳市科技创新局",
    english="Science, Technology and Innovation Bureau",
    host="stic.sz.gov.cn",
    watches=(
        _notices("stic", "/xxgk/tzgg/index.html", "通知公告: consultation notices and 申请指南"),
        _gkmlpt(
            "stic",
            "4165",
            note="政府信息公开目录 category 4165 (seen in the fragment of a 2026 申请指南 link)",
        ),
    ),
    templates=(_postmeta("stic"),),
    unconfirmed=(
        "the 通知公告 list /xxgk/tzgg/ (the one several public scrapers read) and its item markup"
        " (the built-in NFCMS selectors are tried, then any content/post_ link)",
        "gkmlpt category 4165: which category it is, and the id of 规范性文件: "
        + _find_category("stic.sz.gov.cn"),
        _FIND_COLUMN,
    ),
)

_FGW_ITEMS = ("div.zyzp a[href*='post_']",)
FGW = Bureau(
    preset="fgw-sz",
    name="深圳市发展和改革委员会",
    english="Development and Reform Commission",
    host="fgw.sz.gov.cn",
    watches=(
        _notices(
            "fgw",
            "/zwgk/qt/tzgg/index.html",
            "通知公告 (its articles are published under /zwgk/qt/tzgg/content/)",
            selectors=_FGW_ITEMS,
        ),
        _policies(
            "fgw-zc",
            "/zwgk/zcjzcjd/zc/index.html",
            "政策 (政策及政策解读): finals; items are the links of div.zyzp",
            selectors=_FGW_ITEMS,
        ),
    ),
    templates=(_gkmlpt("fgw"), _postmeta("fgw")),
    unconfirmed=(
        "the lists /zwgk/qt/tzgg/ and /zwgk/zcjzcjd/zc/ and their div.zyzp item markup (a public"
        " scraper's)",
        "the gkmlpt category id (commented out below; the commission publishes its policies"
        " there, /gkmlpt/content/11/11292/…): " + _find_category("fgw.sz.gov.cn"),
        _FIND_COLUMN,
    ),
)

COMMERCE = Bureau(
    preset="commerce-sz",
    name="深圳市商务局",
    english="Commerce Bureau",
    host="commerce.sz.gov.cn",
    watches=(
        _notices(
            "commerce",
            "/xxgk/qt/tzgg_1/index.html",
            "通知公告 (tzgg_1, as its article URLs say)",
            selectors=("span.lb_title",),
        ),
        _policies(
            "commerce-zcfg",
            "/xxgk/zcfgjzcjd/zcfg/index.html",
            "政策法规: finals; items are span.lb_title links beside span.lb_date",
            selectors=("span.lb_title",),
        ),
    ),
    templates=(_gkmlpt("commerce"), _postmeta("commerce")),
    unconfirmed=(
        "the lists /xxgk/qt/tzgg_1/ and /xxgk/zcfgjzcjd/zcfg/ and their span.lb_title item"
        " markup (public scrapers'; the markup was seen on 政策法规 only)",
        "the gkmlpt category id (commented out below; the bureau publishes there,"
        " /gkmlpt/content/10/10005/…): " + _find_category("commerce.sz.gov.cn"),
        _FIND_COLUMN,
    ),
)

_ZXQYJ_ITEMS: dict[str, Any] = {
    "selectors": ("div.nei_listCont li",),
    "keywords": (*POLICY_WORDS, "专精特新"),  # the bureau of 专精特新 status
}
ZXQYJ = Bureau(
    preset="zxqyj-sz",
    name="深圳市中小企业服务局",
    english="Small and Medium Enterprise Service Bureau",
    host="zxqyj.sz.gov.cn",
    watches=(
        _notices(
            "zxqyj",
            "/zwgk/zfxxgkml/tzgg/index.html",
            "通知公告: 专精特新 notices and consultations",
            **_ZXQYJ_ITEMS,
        ),
        _policies(
            "zxqyj-zcfg",
            "/zwgk/zfxxgkml/zcfg/index.html",
            "政策法规 (its articles are published under /zwgk/zfxxgkml/zcfg/content/)",
            **_ZXQYJ_ITEMS,
        ),
    ),
    templates=(_gkmlpt("zxqyj"), _postmeta("zxqyj")),
    unconfirmed=(
        "the host: zxqyj.sz.gov.cn is the one public scrapers and the bureau's own e-mail"
        " addresses (@zxqyj.sz.gov.cn) use; no published page names sme.sz.gov.cn",
        "the lists /zwgk/zfxxgkml/tzgg/ and /zwgk/zfxxgkml/zcfg/ and their div.nei_listCont item"
        " markup (seen on 通知公告 only)",
        "whether the bureau has a gkmlpt 政府信息公开目录 at all (no link to one was found), and"
        " its category id (commented out below): " + _find_category("zxqyj.sz.gov.cn"),
        _FIND_COLUMN,
    ),
)

AMR = Bureau(
    preset="amr-sz",
    name="深圳市市场监督管理局",
    english="Administration for Market Regulation",
    host="amr.sz.gov.cn",
    watches=(
        _notices(
            "amr", "/xxgk/qt/tzgg/index.html", "通知公告 (index_2.html, index_3.html… page it)"
        ),
    ),
    templates=(_gkmlpt("amr"), _postmeta("amr")),
    unconfirmed=(
        "the 通知公告 list /xxgk/qt/tzgg/ (one public scraper's) and its item markup (the"
        " built-in NFCMS selectors are tried, then any content/post_ link)",
        "the gkmlpt category id (commented out below; the administration publishes its"
        " 规范性文件 and local standards there, /gkmlpt/content/10/10800/…): "
        + _find_category("amr.sz.gov.cn"),
        _FIND_COLUMN,
    ),
)

BUREAUS: tuple[Bureau, ...] = (GXJ, STIC, FGW, COMMERCE, ZXQYJ, AMR)

_DATABASE = """\
[database]
path = "policywatch.db"
"""

_FETCH = """\
[fetch]
allow_hosts = ["*.gov.cn"]
concurrency = {concurrency}
per_host = 2
"""

_TAIL = """\

[outbox]
dir = "outbox"

[notifications]
base_url = "http://127.0.0.1:8000"
digest_time = "09:00"
"""

_TRANSPORT = """\
# The platform's HTTPS is broken for OpenSSL clients (SSL: BAD_ECPOINT), so sources use http://.
"""


def _confirm_lines(bureaus: tuple[Bureau, ...]) -> list[str]:
    items = [(b, line) for b in bureaus for line in b.unconfirmed]
    if not items:
        return []
    lines = [
        "#",
        f"# {UNCONFIRMED.capitalize()} (written without access to it, from public scrapers):",
    ]
    for bureau, line in items:
        text = f"{bureau.host}: {line}" if len(bureaus) > 1 else line
        lines += textwrap.wrap(text, width=98, initial_indent="# - ", subsequent_indent="#   ")
    return lines


def render(bureaus: tuple[Bureau, ...], heading: tuple[str, ...]) -> str:
    """A config file watching `bureaus`, under the comment lines `heading`."""
    lines = [f"# {line}" for line in heading]
    lines += [*_TRANSPORT.splitlines(), *_confirm_lines(bureaus)]
    lines += ["", *_DATABASE.splitlines(), ""]
    lines += _FETCH.format(concurrency=4 if len(bureaus) == 1 else 8).splitlines()
    for bureau in bureaus:
        if len(bureaus) > 1:
            lines += ["", f"# --- {bureau.name} ({bureau.host}) ---"]
        lines += bureau.sources()
    return "\n".join(lines) + "\n" + _TAIL


def bureau_preset(bureau: Bureau) -> str:
    """The preset of one bureau."""
    heading = [f"policywatch: {bureau.name} ({bureau.english}), {bureau.host}."]
    if bureau is not GXJ:
        heading.append(
            "It runs on the city's 集约化 platform (NFCMS, gkmlpt), as gxj.sz.gov.cn does."
        )
    return render((bureau,), tuple(heading))


EXAMPLE = """\
# policywatch configuration. Every key is optional except each source's name, kind and url.
# Durations: "45s", "30m", "6h", "1d". Relative paths are taken from this file's folder.

[database]
path = "policywatch.db"

[fetch]
# Only these hosts are fetched ("*.gov.cn" matches every subdomain).
allow_hosts = ["*.gov.cn"]
concurrency = 10        # requests in flight overall
per_host = 4            # requests in flight per host
timeout = 20.0          # seconds
retries = 2             # extra tries on 5xx, timeouts and resets

# One [[source]] table per page, list or feed to watch.
# kind: page | html-list | postmeta | gkmlpt
[[source]]
name = "example-page"
kind = "page"
url = "http://gxj.sz.gov.cn/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
every = "6h"
# body_selector = "div.article"   # the article body, where no built-in template knows the site

# Without [smtp], emails are written as .eml files to [outbox] dir.
[outbox]
dir = "outbox"

# [smtp]
# host = "smtp.example.com"
# port = 587
# starttls = true
# username = "policywatch@example.com"
# password_env = "POLICYWATCH_SMTP_PASSWORD"   # the password is read from this variable
# sender = "policywatch@example.com"

[notifications]
base_url = "http://127.0.0.1:8000"
secret_env = "POLICYWATCH_SECRET"
digest_time = "09:00"   # Asia/Shanghai

# Budgets of LibreOffice (.doc, .wps, .rtf) and OCR (scanned PDFs).
# [parse]
# convert_timeout = "2m"
# ocr_max_pages = 60
# memory_limit = "2GiB"
"""

ALL = "sz-all"
PRESETS: dict[str, str] = {
    "example": EXAMPLE,
    **{b.preset: bureau_preset(b) for b in BUREAUS},
    ALL: render(BUREAUS, ("policywatch: the Shenzhen bureaus of every preset, in one file.",)),
}


def _described(bureau: Bureau) -> str:
    what = f"{bureau.name} ({bureau.host}): {', '.join(w.name for w in bureau.watches)}"
    if bureau.unconfirmed:
        what += f"; {len(bureau.unconfirmed)} point(s) {UNCONFIRMED}"
    return what


DESCRIPTIONS: dict[str, str] = {  # what `init --list-presets` prints
    "example": "a commented starting point (one page)",
    **{b.preset: _described(b) for b in BUREAUS},
    ALL: "every bureau above in one file",
}
