"""`[fetch] allow_hosts`: which hosts may be fetched. The fetcher checks every request and
redirect against it (names, then resolved addresses); the config loader checks each source's
URL against it, so a source outside the allowlist is an error at load, not at the first check.
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
from urllib.parse import urlsplit

from monitor.errors import URLNotAllowedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostPolicy:
    """`[fetch] allow_hosts`: host name globs, IP addresses and networks."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.names: list[str] = []
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for pattern in patterns:
            try:
                self.networks.append(ipaddress.ip_network(pattern.strip("[]"), strict=False))
            except ValueError:
                self.names.append(pattern.lower().rstrip("."))

    def allows_name(self, host: str) -> bool:
        """Does a host name (not an address) match a name pattern?"""
        host = host.lower().rstrip(".")
        return any(
            host == p or fnmatch.fnmatchcase(host, p) or (p.startswith("*.") and host == p[2:])
            for p in self.names
        )

    def allows_address(self, address: IPAddress, *, named: bool) -> bool:
        """A resolved address: listed networks always; public ones when the name was allowed."""
        if any(address in net for net in self.networks):
            return True
        return named and address.is_global


def check_url(url: str, policy: HostPolicy) -> tuple[str, int]:
    """Scheme and host syntax check; returns (host, port) or raises URLNotAllowedError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise URLNotAllowedError(url, f"scheme {parts.scheme or '(none)'!r} is not http(s)")
    host = parts.hostname
    if not host:
        raise URLNotAllowedError(url, "no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise URLNotAllowedError(url, "bad port") from None
    if literal_address(host) is None and not policy.allows_name(host):
        raise URLNotAllowedError(url, f"host {host!r} is not in [fetch] allow_hosts")
    return host, port


@functools.lru_cache(maxsize=1024)
def literal_address(host: str) -> IPAddress | None:
    """The host as an IP address when it is one, else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
