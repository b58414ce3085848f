"""``scorecard frameworks``: list, show and validate framework packs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.options import FrameworkPath, Json

app = typer.Typer(help="List, show and validate framework packs.", no_args_is_help=True)


@app.command("list")
def list_(framework_path: FrameworkPath = None, as_json: Json = False) -> None:
    """List the framework packs found (your own first, then the bundled ones)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from scorecard import packs

    found = {
        pack_id: packs.load_folder(path)
        for pack_id, path in packs.discover(framework_path or []).items()
    }
    locations = packs.discover(framework_path or [])
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": fw.id,
                        "name": fw.header.name,
                        "version": fw.header.version,
                        "path": str(locations[fw.id]),
                        "categories": [c.id for c in fw.categories],
                        "content_hash": fw.content_hash,
                    }
                    for fw in found.values()
                ],
                indent=2,
            )
        )
        return
    table = Table(title="Framework packs")
    for column in ("Id", "Name", "Version", "Categories", "Path"):
        table.add_column(column, overflow="fold")
    for fw in found.values():
        table.add_row(
            Text(fw.id),
            Text(fw.header.name),
            Text(fw.header.version),
            Text(", ".join(c.id for c in fw.categories)),
            Text(str(locations[fw.id])),
        )
    Console().print(table)


@app.command()
def show(
    framework_id: Annotated[
        str, typer.Argument(metavar="ID", help="Pack id, e.g. preparedness-v1.")
    ],
    framework_path: FrameworkPath = None,
    as_json: Json = False,
) -> None:
    """Show a pack: levels, stages, gates, and each category's indicators and thresholds."""
    from scorecard import packs

    framework = packs.load(framework_id, framework_path or [])
    if as_json:
        typer.echo(framework.model_dump_json(indent=2))
        return
    from rich.console import Console

    from scorecard.cli.display import framework_tables

    console = Console()
    for part in framework_tables(framework):
        console.print(part)


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Pack folders to check; none checks every pack found.", file_okay=False
        ),
    ] = None,
    framework_path: FrameworkPath = None,
) -> None:
    """Check packs against the schema; exits non-zero naming the file and field of each error."""
    from scorecard.command import validate_packs

    reports = validate_packs(paths or [], framework_path or [])
    failed = 0
    for report in reports:
        if report.framework is not None:
            fw = report.framework
            count = len(fw.categories)
            typer.echo(f"ok     {fw.id} {fw.header.version} ({count} categories) {report.path}")
        else:
            failed += 1
            typer.echo(f"error: {report.error}", err=True)
    if failed:
        raise typer.Exit(1)
