"""``scorecard demo``: the whole story on bundled example data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Where to write the demo's outputs (scorecard.json).", file_okay=False
        ),
    ] = None,
) -> None:
    """Score the bundled example model and print its scorecard."""
    from rich.console import Console

    from scorecard.cli.display import print_scorecard
    from scorecard.command import demo as run_demo

    console = Console()
    console.print("Scoring the bundled example model [bold]Kestrel-2[/] against preparedness-v1")
    scored = run_demo(directory)
    print_scorecard(console, scored.result, scored.framework)
    if directory is not None:
        console.print(f"Scorecard JSON written to {directory / 'scorecard.json'}", markup=False)
