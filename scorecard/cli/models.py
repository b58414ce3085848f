"""``scorecard models``: add and list the models under assessment."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecard.cli.options import Database, Json, settings
from scorecard.cli.output import Column, echo_json, say, table

app = typer.Typer(help="Add and list the models under assessment.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="models")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The model's name.")],
    version: Annotated[
        str, typer.Option("--version", metavar="VERSION", help="The model's version.")
    ] = "",
    description: Annotated[str, typer.Option(metavar="TEXT", help="What this model is.")] = "",
    by: Annotated[
        str | None, typer.Option(metavar="NAME", help="Who adds it (default: the OS user).")
    ] = None,
    database: Database = None,
) -> None:
    """Add a model under assessment (unique by name and version)."""
    from scorecard.commands import models
    from scorecard.records.models import label

    model = models.add(settings(database), name, version, description, by)
    say(f"added model {label(model)} (#{model.id})")


@app.command("list")
def list_(database: Database = None, as_json: Json = False) -> None:
    """List the models, with how much evidence and how many scorecards each has."""
    from scorecard.commands import models

    rows = models.list_models(settings(database))
    if as_json:
        echo_json(rows)
        return
    table(
        "Models",
        [
            Column("Model", key=True),
            Column("Description"),
            Column("Evidence", justify="right"),
            Column("Scorecards", justify="right"),
            Column("Added by"),
            Column("Added (UTC)", key=True),
        ],
        [
            (
                r["ref"],
                r["description"],
                r["evidence"],
                r["scorecards"],
                r["created_by"],
                r["created_at"][:19],
            )
            for r in rows
        ],
    )
