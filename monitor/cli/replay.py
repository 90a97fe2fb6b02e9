"""`replay SNAPSHOT_DIR`: serve a recorded snapshot of a site on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("snapshot_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=int, default=8080, show_default=True, help="Port on 127.0.0.1.")
def replay(snapshot_dir: Path, port: int) -> None:
    """Serve a recorded snapshot (a folder with manifest.json) on 127.0.0.1.

    Switch snapshots while running with GET /__replay/switch?snapshot=<sibling folder>.
    """
    from monitor.fetch.replay import ReplayServer, bundled_site

    if not (snapshot_dir / "manifest.json").is_file() and (bundled_site() / snapshot_dir).is_dir():
        snapshot_dir = bundled_site() / snapshot_dir  # e.g. `policywatch replay 2022-06-20`
    if not (snapshot_dir / "manifest.json").is_file():
        raise click.UsageError(f"{snapshot_dir}: no manifest.json")
    server = ReplayServer(snapshot_dir, port=port)
    click.echo(f"Serving {snapshot_dir} at {server.url} (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
