"""policywatch's monitor: sources, fetching, the check pipeline, the daemon, the CLI and web UI."""

from __future__ import annotations

__version__ = "0.1.0"
