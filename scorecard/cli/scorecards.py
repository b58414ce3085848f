"""``scorecard show``, ``history`` and ``diff``: scorecards in the record."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecard.cli.options import Database, Json, ModelRef, settings
from scorecard.cli.output import Column, console, echo_json, say, table
from scorecard.errors import escape_controls


def register(root: typer.Typer) -> None:
    root.command("show")(show)
    root.command("history")(history)
    root.command("diff")(diff)


def show(
    model: ModelRef,
    scorecard_id: Annotated[
        int | None,
        typer.Option(
            "--id",
            "--scorecard",
            metavar="ID",
            help="A scorecard id from `history` (default: the latest).",
        ),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show a model's latest scorecard, its mitigations and the decisions on it."""
    from scorecard.commands.scorecards import show as run

    data = run(settings(database), model, scorecard_id)
    if as_json:
        echo_json(data)
        return
    from scorecard.cli.display import print_scorecard
    from scorecard.cli.safetext import SafeText as Text
    from scorecard.core.result import ScorecardResult

    out = console()
    out.print(
        Text(
            escape_controls(
                f"{data['model']} — scorecard #{data['id']} computed by "
                f"{data['computed_by']} at {data['computed_at'][:19]} UTC"
                + ("" if data["is_latest"] else " (not the latest)")
            ),
            style="bold",
        )
    )
    print_scorecard(out, ScorecardResult.from_json_dict(data))
    for m in data["mitigations"]:
        say(f"Mitigation ({m['category']}) by {m['by']}: {m['description']}")
    for d in data["decisions"]:
        reverses = f" (reverses #{d['reverses_id']})" if d["reverses_id"] else ""
        say(
            f"Decision #{d['id']} [{d['role']}] {d['decision']}{reverses} by "
            f"{d['by']}: {d['rationale']}"
        )
    framework = data["framework"]
    say(
        f"framework {framework['id']} {framework['version']}, snapshot sha256 "
        f"{data['framework_snapshot']}"
    )
    say(f"hash {data['hash']}")


def history(model: ModelRef, database: Database = None, as_json: Json = False) -> None:
    """List a model's scorecards, oldest first."""
    from scorecard.commands.scorecards import history as run

    rows = run(settings(database), model)
    if as_json:
        echo_json(rows)
        return
    table(
        f"Scorecards of {model}",
        [
            Column("#", key=True, justify="right"),
            Column("Computed (UTC)", key=True),
            Column("By"),
            Column("Policy", key=True),
            Column("Overall"),
            Column("Deploy"),
            Column("Develop"),
            Column("Hash", key=True),
        ],
        [
            (
                r["id"],
                r["computed_at"][:19],
                r["computed_by"],
                r["policy"],
                ", ".join(f"{s} {lv or 'not assessed'}" for s, lv in r["overall"].items()),
                "yes" if r["deploy"] else "no",
                "yes" if r["develop"] else "no",
                r["hash"][:12],
            )
            for r in rows
        ],
    )


def diff(
    model: ModelRef,
    first: Annotated[int | None, typer.Argument(metavar="A", help="Older scorecard id.")] = None,
    second: Annotated[int | None, typer.Argument(metavar="B", help="Newer scorecard id.")] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show what moved between two scorecards (default: the two latest) and why."""
    from scorecard.commands.scorecards import diff as run

    data = run(settings(database), model, first, second)
    if as_json:
        echo_json(data)
        return
    if not data["changes"]:
        say(f"scorecards #{data['from']} and #{data['to']}: nothing moved")
        return
    table(
        f"Scorecard #{data['from']} → #{data['to']}",
        [Column("What", key=True), Column("Before"), Column("After"), Column("Why")],
        [(c["what"], c["before"], c["after"], c["why"]) for c in data["changes"]],
    )
