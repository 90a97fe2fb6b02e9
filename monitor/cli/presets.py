"""Example configuration files written by `policywatch init`."""

from __future__ import annotations

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
"""

GXJ_SZ = """\
# policywatch: the Shenzhen Bureau of Industry and Information Technology (gxj.sz.gov.cn).
# The bureau's HTTPS is broken for OpenSSL clients (SSL: BAD_ECPOINT), so sources use http://.

[database]
path = "policywatch.db"

[fetch]
allow_hosts = ["*.gov.cn"]
concurrency = 4
per_host = 2

[[source]]
name = "gxj-tzgg"          # 通知公告: consultation notices (征求意见稿) appear here
kind = "html-list"
url = "http://gxj.sz.gov.cn/xxgk/xxgkml/qt/tzgg/index.html"
every = "30m"
keywords = ["专精特新", "若干措施", "征求意见"]
max_pages = 2

[[source]]
name = "gxj-gygh"          # 规范性文件 (深工信规): finals
kind = "html-list"
url = "http://gxj.sz.gov.cn/xxgk/xxgkml/zcfgjzcjd/gygh/index.html"
every = "1h"
keywords = ["专精特新", "若干措施"]

[[source]]
name = "gxj-postmeta"      # NFCMS JSON feed of 政策法规及政策解读 (column 61057)
kind = "postmeta"
url = "http://gxj.sz.gov.cn/postmeta/i/61057.json"
every = "1h"
keywords = ["专精特新", "若干措施"]

[[source]]
name = "gxj-gkmlpt"        # 政府信息公开目录: carries is_expired / is_abolished flags
kind = "gkmlpt"
url = "http://gxj.sz.gov.cn/gkmlpt/api/all/3115"
every = "6h"
keywords = ["专精特新", "若干措施"]

[outbox]
dir = "outbox"

[notifications]
base_url = "http://127.0.0.1:8000"
digest_time = "09:00"
"""

PRESETS = {"example": EXAMPLE, "gxj-sz": GXJ_SZ}
