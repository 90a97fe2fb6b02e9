"""The connector's resolver: every address a connection may go to is checked here.

aiohttp connects only to the addresses its resolver returned (and never resolves an IP
literal), so checking them here, and nowhere else, leaves no second look-up for a DNS server
to answer differently (DNS rebinding: a public address for the check, 127.0.0.1 for the
connection).
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from monitor.errors import URLNotAllowedError
from monitor.hosts import HostPolicy


class CheckedResolver(AbstractResolver):
    """`inner`'s answers (the system resolver's by default), refused unless every address is
    allowed for a host name that passed the allowlist: listed networks, or public addresses.
    The error names the host; the fetcher, which knows the URL, puts the URL in."""

    def __init__(self, policy: HostPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self.inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve `host` once and check every address it has."""
        infos = await self.inner.resolve(host, port, family)
        for info in infos:
            address = ipaddress.ip_address(info["host"])
            if not self.policy.allows_address(address, named=True):
                raise URLNotAllowedError(host, f"address {address} of {host!r} is not allowed")
        return infos

    async def close(self) -> None:
        """Close the inner resolver."""
        await self.inner.close()
