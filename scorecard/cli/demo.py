"""``scorecard demo``: the whole story on bundled example data."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="An empty folder for the demo's database and outputs (default: a new "
            "temporary folder).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Run the whole story on a fictional model: record, score, judge, mitigate, decide, verify."""
    from rich.console import Console
    from rich.text import Text

    from scorecard.cli.display import print_scorecard
    from scorecard.command import DEMO_MODEL
    from scorecard.command import demo as run_demo
    from scorecard.core.result import ScorecardResult

    console = Console()
    out = directory or Path(tempfile.mkdtemp(prefix="scorecard-demo-"))
    console.print(
        Text(f"The scorecard demo: {DEMO_MODEL}, a fictional frontier model", style="bold")
    )
    outcome = run_demo(out, step=lambda text: console.print(Text(f"  ✓ {text}")))
    card = outcome["scorecard"]
    print_scorecard(console, ScorecardResult.from_json_dict(card))
    for d in card["decisions"]:
        console.print(
            Text(f"Decision [{d['role']}] {d['decision']} by {d['by']}: {d['rationale']}")
        )
    console.print(Text(f"Database: {outcome['database']}"))
    console.print(Text(f"Scorecard JSON: {out / 'scorecard.json'}"))
    console.print(Text(f"System card (PDF/A-3b): {outcome['card']}", style="bold"))
    console.print(Text(f"Audit head: {outcome['audit_head']}", style="dim"))
