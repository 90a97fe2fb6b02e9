"""`policywatch diff OLD NEW`: clause-level changes between two renditions of a policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.context import AppContext
from monitor.cli.renditions import load_documents, warn_ocr

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.text import Text

    from parsers.model import DocumentDiff, PolicyDocument


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write a side-by-side redline page to this file.",
)
@click.pass_obj
def diff(app: AppContext, old: str, new: str, as_json: bool, html_file: str | None) -> None:
    """Compare two versions (paths or http(s) URLs) clause by clause."""
    from parsers.diff import diff_documents

    old_doc, new_doc = load_documents([old, new], app.config_or_default())
    for source, doc in ((old, old_doc), (new, new_doc)):
        warn_ocr(source, doc, err=as_json)
    result = diff_documents(old_doc, new_doc)
    if html_file:
        from parsers.render_html import render_diff_html

        page = render_diff_html(result, old=old_doc, new=new_doc)
        Path(html_file).write_text(page, encoding="utf-8")
    if as_json:
        click.echo(json.dumps(diff_json(old_doc, new_doc, result), ensure_ascii=False, indent=1))
    elif not html_file:
        _print_report(result)


def diff_json(old: PolicyDocument, new: PolicyDocument, result: DocumentDiff) -> dict[str, Any]:
    """The `diff --json` shape: `{"old", "new", "changes"}` plus `document_changes`."""
    from parsers.model import change_to_json, doc_change_to_json, document_fields_json

    return {
        "old": document_fields_json(old),
        "new": document_fields_json(new),
        "changes": [change_to_json(c) for c in result.changes],
        "document_changes": [doc_change_to_json(c) for c in result.document_changes],
    }


def _redline(ops: Sequence[tuple[int, str]], *, styled: bool) -> Text:
    """A clause's redline: struck red / underlined green on a terminal; in a file or a pipe,
    where styles are lost, deletions as [-…-] and insertions as {+…+} (as `git diff --word-diff`)."""
    from rich.text import Text

    line = Text("    ")
    for op, part in ops:
        text = part.replace("\n", "\n    ")  # every paragraph of the clause indented
        if styled:
            line.append(text, style={-1: "red strike", 1: "green underline"}.get(op, ""))
        else:
            line.append({-1: f"[-{text}-]", 1: f"{{+{text}+}}"}.get(op, text))
    return line


def _print_report(result: DocumentDiff) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    if result.empty:
        console.print("No changes.")
        return
    for doc_change in result.document_changes:
        console.print(Text(f"• {doc_change.summary}", style="bold"))
    for change in result.changes:
        kinds = ",".join(k.value for k in change.kinds)
        console.print(
            Text.assemble((f"[{kinds}] ", "cyan"), (change.summary, "bold")), soft_wrap=True
        )
        if change.redline:
            console.print(_redline(change.redline, styled=console.is_terminal), soft_wrap=True)
    console.print(f"{len(result.changes)} clause change(s).")
