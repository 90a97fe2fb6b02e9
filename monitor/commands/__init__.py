"""CLI commands, one module per area; registered lazily in `monitor.cli.COMMANDS`."""

from __future__ import annotations
