"""``scorecard frameworks``: list, show and validate framework packs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.options import AllowShadow, FrameworkPath, Json, settings
from scorecard.cli.output import Column, console, echo_json, say, table, warn
from scorecard.errors import EXIT_FAILED

app = typer.Typer(help="List, show and validate framework packs.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="frameworks")


@app.command("list")
def list_(
    framework_path: FrameworkPath = None, allow_shadow: AllowShadow = False, as_json: Json = False
) -> None:
    """List the framework packs found (your own first, then the bundled ones)."""
    from scorecard.commands.frameworks import list_packs
    from scorecard.packs import is_bundled

    found = list_packs(settings(framework_path=framework_path, allow_shadow=allow_shadow))
    usable = [(r.path, r.framework) for r in found if r.framework is not None]
    if as_json:
        echo_json(
            [
                {
                    "id": fw.id,
                    "name": fw.header.name,
                    "version": fw.header.version,
                    "path": str(path),
                    "bundled": is_bundled(path),
                    "categories": [c.id for c in fw.categories],
                    "content_hash": fw.content_hash,
                }
                for path, fw in usable
            ]
            + [{"path": str(r.path), "error": r.error} for r in found if r.framework is None]
        )
        return
    table(
        "Framework packs",
        [
            Column("Id", key=True),
            Column("Name"),
            Column("Version", key=True),
            Column("Bundled"),
            Column("Categories"),
            Column("Path", key=True),
        ],
        [
            (
                fw.id,
                fw.header.name,
                fw.header.version,
                "yes" if is_bundled(path) else "no",
                ", ".join(c.id for c in fw.categories),
                path,
            )
            for path, fw in usable
        ],
    )
    for report in found:
        if report.framework is None:
            warn(f"warning: not usable: {report.error}")


@app.command()
def show(
    framework_id: Annotated[
        str, typer.Argument(metavar="ID", help="Pack id, e.g. preparedness-v1.")
    ],
    framework_path: FrameworkPath = None,
    allow_shadow: AllowShadow = False,
    as_json: Json = False,
) -> None:
    """Show a pack: levels, stages, gates, and each category's indicators and thresholds."""
    from scorecard.commands.frameworks import show as run

    framework = run(
        settings(framework_path=framework_path, allow_shadow=allow_shadow), framework_id
    )
    if as_json:
        typer.echo(json.dumps(json.loads(framework.model_dump_json()), indent=2))
        return
    from scorecard.cli.display import framework_tables

    out = console()
    for part in framework_tables(framework):
        out.print(part)


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="DIR",
            help="Pack folders to check; none checks every pack found.",
            file_okay=False,
        ),
    ] = None,
    framework_path: FrameworkPath = None,
    allow_shadow: AllowShadow = False,
) -> None:
    """Check packs against the schema; exits non-zero naming the file and field of each error."""
    from scorecard.commands.frameworks import validate as run

    reports = run(settings(framework_path=framework_path, allow_shadow=allow_shadow), paths or [])
    failed = 0
    for report in reports:
        if report.framework is not None:
            fw = report.framework
            count = len(fw.categories)
            say(f"ok     {fw.id} {fw.header.version} ({count} categories) {report.path}")
        else:
            failed += 1
            warn(f"error: {report.error}")
    if failed:
        raise typer.Exit(EXIT_FAILED)
