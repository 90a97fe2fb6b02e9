"""Beijing time: the time zone of display, digests and cron schedules (storage is UTC).

Its own module so that the check pipeline, which only needs `monitor.clock`, does not load
the zone database at start-up.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
