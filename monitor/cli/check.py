"""`check`: one full check cycle now, with a progress bar and a summary table."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.context import AppContext

if TYPE_CHECKING:
    from monitor.check.cycle import CycleReport
    from monitor.check.reader import Reader
    from monitor.config import Config, SourceConfig
    from state.store import Store


@click.command()
@click.option("--source", "names", multiple=True, help="Check only this source (repeatable).")
@click.pass_obj
def check(app: AppContext, names: tuple[str, ...]) -> None:
    """Run one full check cycle over every enabled source (whatever its schedule): the config
    file's and those added in the review UI.

    Exits 1 when any source failed.
    """
    from monitor.check.reader import Reader

    config = app.config
    # The reading workers fork first, before this process imports the rest of the pipeline,
    # aiohttp and the store: their own imports (the parsers) run on another core meanwhile,
    # and no SQLite connection is open across the fork.
    with Reader.for_config(config) as reader:
        from monitor.catalog import effective_sources, find_source

        with app.store() as store:
            # the sources themselves, not their names: the cycle then reads the catalogue once
            if names:  # ConfigError (exit 2) for an unknown name
                selected = tuple(find_source(config, store, name) for name in names)
            else:
                selected = tuple(s for s in effective_sources(config, store) if s.enabled)
            report = asyncio.run(_cycle(config, store, selected, reader))
    _summary(report)
    if report.failed:
        sys.exit(1)


async def _cycle(
    config: Config, store: Store, selected: tuple[SourceConfig, ...], reader: Reader
) -> CycleReport:
    from monitor.check.cycle import run_check

    with _progress(len(selected)) as advance:
        return await run_check(
            config, store, sources=selected, on_progress=advance, reader=reader, batched=True
        )


class _progress:  # noqa: N801 - a context manager used like a function
    """A rich progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return lambda report: None
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.start()
        task = self.bar.add_task("checking", total=self.total)
        return lambda report: self.bar.update(task, advance=1, description=report.name)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


_QUIET = ("unchanged", "not_modified", "baseline")
_ROW = "{:<24} {:<13} {:>4} {:>8} {:>9} {:>5}  {}"
MAX_ROWS = 30  # a big cycle lists its failures first, then news, then says how many more


def _summary(report: CycleReport) -> None:
    """One row per source with news or a failure (every source when few), then the totals.

    Plain text: it is read on a terminal, in a log and by scripts, and a cycle of a thousand
    sources should not spend its time laying out a table.
    """
    rows = list(report.reports)
    if len(rows) > MAX_ROWS:
        rows = [r for r in rows if r.outcome.value not in _QUIET]
        rows.sort(key=lambda r: (not r.failed, r.name))
    lines = [_ROW.format("source", "outcome", "new", "changed", "requests", "304", "error")]
    for r in rows[:MAX_ROWS]:
        lines.append(
            _ROW.format(
                r.name[:24],
                r.outcome.value,
                r.new_documents,
                r.changed,
                r.requests,
                r.not_modified,
                (r.error or "")[:100],
            )
        )
    if len(rows) > MAX_ROWS:
        lines.append(f"... and {len(rows) - MAX_ROWS} more sources with news")
    lines.append(
        f"sources checked {report.checked}, unchanged {report.unchanged}, "
        f"new documents {report.new_documents}, changed {report.changed}, "
        f"failed {report.failed}, time {report.elapsed:.2f}s"
    )
    click.echo("\n".join(lines))
