"""``scorecard demo``: the whole story on bundled example data."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer


def register(root: typer.Typer) -> None:
    root.command("demo")(demo)


def demo(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            metavar="DIR",
            help="An empty folder for the demo's database and outputs (default: a new "
            "temporary folder).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Run the whole story on a fictional model: record, score, judge, mitigate, decide, verify."""
    from scorecard.cli.display import print_scorecard
    from scorecard.cli.output import console
    from scorecard.cli.safetext import SafeText as Text
    from scorecard.commands.demo import DEMO_MODEL
    from scorecard.commands.demo import demo as run
    from scorecard.core.result import ScorecardResult

    out_console = console()
    out = directory or Path(tempfile.mkdtemp(prefix="scorecard-demo-"))
    out_console.print(
        Text(f"The scorecard demo: {DEMO_MODEL}, a fictional frontier model", style="bold")
    )
    outcome = run(out, step=lambda text: out_console.print(Text(f"  ✓ {text}")))
    card = outcome.scorecard
    print_scorecard(out_console, ScorecardResult.from_json_dict(card))
    for d in card["decisions"]:
        out_console.print(
            Text(f"Decision [{d['role']}] {d['decision']} by {d['by']}: {d['rationale']}")
        )
    out_console.print(Text(f"Database: {outcome.database}"))
    out_console.print(Text(f"Scorecard JSON: {out / 'scorecard.json'}"))
    out_console.print(Text(f"System card (PDF/A-3b): {outcome.card}", style="bold"))
    out_console.print(Text(f"Audit head: {outcome.audit_head}", style="dim"))
