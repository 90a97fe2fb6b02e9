"""`policywatch parse FILE_OR_URL [--json]`: the clause tree of one rendition of a policy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from monitor.cli.context import AppContext
from monitor.cli.renditions import budget_of, load_document, warn_ocr

if TYPE_CHECKING:
    from rich.tree import Tree

    from parsers.model import Clause, PolicyDocument


@click.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the document and its clauses as JSON.")
@click.pass_obj
def parse(app: AppContext, source: str, as_json: bool) -> None:
    """Parse a file (HTML, JSON, text, DOCX, DOC, WPS, RTF, PDF, OFD) or URL into clauses.

    Text read by OCR (scanned pages) is said to be so: it may hold misreadings."""
    doc = load_document(source, budget=budget_of(app))
    warn_ocr(source, doc, err=as_json)
    if as_json:
        from parsers.model import document_to_json

        click.echo(json.dumps(document_to_json(doc), ensure_ascii=False, indent=1))
    else:
        _print_tree(doc)


def _print_tree(doc: PolicyDocument) -> None:
    from rich.console import Console
    from rich.tree import Tree

    fields = [
        ("status", doc.status.value),
        ("doc_number", doc.doc_number),
        ("issuer", doc.issuer),
        ("published", doc.published),
        ("comment_deadline", doc.comment_deadline),
        ("effective", doc.effective),
    ]
    root = Tree(f"[bold]{doc.title or '(untitled)'}[/bold]")
    for name, value in fields:
        if value:
            root.add(f"[dim]{name}:[/dim] {value}")
    for clause in doc.clauses:
        _add(root, clause)
    Console(highlight=False).print(root)


def _add(parent: Tree, clause: Clause) -> None:
    text = clause.heading or clause.text[:40] + ("…" if len(clause.text) > 40 else "")
    line = f"[bold]{clause.label}[/bold] {text}"
    if clause.responsible_units:
        line += f" [dim]（{'、'.join(clause.responsible_units)}）[/dim]"
    if clause.amounts:
        line += " [cyan]" + " ".join(a.text for a in clause.amounts) + "[/cyan]"
    node = parent.add(line)
    for child in clause.children:
        _add(node, child)
