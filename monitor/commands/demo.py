"""`demo`: run the whole story on the bundled replica site and narrate it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click


@click.command()
@click.option(
    "--keep",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the config, database and emails (default: a new temporary folder).",
)
def demo(folder: Path | None) -> None:
    """Watch the bundled replica of gxj.sz.gov.cn go from draft to final, end to end."""
    from rich.console import Console

    from monitor.demo import run_demo

    target = folder or Path(tempfile.mkdtemp(prefix="policywatch-demo-"))
    run_demo(target.resolve(), console=Console(highlight=False))
