"""`[fetch] allow_hosts`: which hosts may be fetched. The fetcher checks every request and
redirect against it (names here, resolved addresses in `monitor.fetch.resolver`); the config
loader checks each source's URL against it, so a source outside the allowlist is an error at
load, not at the first check.

Host names are compared in one form, the one the connection uses: UTS #46 (IDNA 2008 with
mapping, `idna.encode(host, uts46=True)`), lowercase, so `FAß.gov.cn` is `xn--fa-hia.gov.cn`
here as on the wire (Python's own IDNA 2003 codec would make it `fass.gov.cn`, another host).
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import idna

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
                self.names.append(_pattern(pattern))

    def allows_name(self, host: str) -> bool:
        """Does a host name (not an address) match a name pattern? (Both UTS #46 normalised.)"""
        try:
            host = normalise_host(host).rstrip(".")
        except ValueError:
            return False
        return any(
            host == p or fnmatch.fnmatchcase(host, p) or (p.startswith("*.") and host == p[2:])
            for p in self.names
        )

    def allows_address(self, address: IPAddress, *, named: bool) -> bool:
        """A resolved address: listed networks always; public ones when the name was allowed
        (an IPv6 address that carries an IPv4 one, 6to4 or NAT64, only if that one is too)."""
        if any(address in net for net in self.networks):
            return True
        if not named or not address.is_global:
            return False
        inner = embedded_ipv4(address)
        return inner is None or self.allows_address(inner, named=True)


# NAT64: the well-known prefix (RFC 6052) and the local-use one (RFC 8215); a gateway turns
# 64:ff9b::7f00:1 into 127.0.0.1. Python calls both "global".
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address a 6to4 or NAT64 address leads to (None for any other address)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True, slots=True)
class CheckedURL:
    """A URL that passed `checked_url`: its host normalised, and the URL rebuilt with it."""

    url: str
    host: str
    port: int


def checked_url(url: str, policy: HostPolicy) -> CheckedURL:
    """Scheme and host check; the URL with its host in the form the connection uses (UTS #46),
    which is also the form the allowlist was checked in. Raises URLNotAllowedError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise URLNotAllowedError(url, f"scheme {parts.scheme or '(none)'!r} is not http(s)")
    raw = parts.hostname
    if not raw:
        raise URLNotAllowedError(url, "no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = normalise_host(raw)
    except ValueError as exc:
        raise URLNotAllowedError(url, f"bad host or port: {exc}") from None
    if literal_address(host) is None and not policy.allows_name(host):
        raise URLNotAllowedError(url, f"host {host!r} is not in [fetch] allow_hosts")
    if host != raw:
        shown = f"[{host}]" if ":" in host else host
        netloc = parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""
        netloc += shown + (f":{parts.port}" if parts.port else "")
        url = urlunsplit(parts._replace(netloc=netloc))
    return CheckedURL(url=url, host=host, port=port)


def check_url(url: str, policy: HostPolicy) -> tuple[str, int]:
    """`checked_url`'s (host, port): the config loader's check of a source URL."""
    checked = checked_url(url, policy)
    return checked.host, checked.port


@functools.lru_cache(maxsize=4096)
def normalise_host(host: str) -> str:
    """A host in the one form it is checked and connected in: an IP address as it is, a name
    lowercased and, when not ASCII, UTS #46 encoded (`faß.gov.cn` -> `xn--fa-hia.gov.cn`).
    ValueError for a name that is not a valid internationalised domain name."""
    if literal_address(host) is not None or host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:  # also a UnicodeError: ValueError
        raise ValueError(f"{host!r} is not a valid domain name ({exc})") from None


def _pattern(pattern: str) -> str:
    """An allowlist name pattern normalised like the hosts it is compared with."""
    wildcard, rest = ("*.", pattern[2:]) if pattern.startswith("*.") else ("", pattern)
    try:
        rest = normalise_host(rest)
    except ValueError:
        rest = rest.lower()  # a glob such as `gov.*`: compared as written
    return wildcard + rest.rstrip(".")


@functools.lru_cache(maxsize=1024)
def literal_address(host: str) -> IPAddress | None:
    """The host as an IP address when it is one, else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
