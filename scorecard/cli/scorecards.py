"""``scorecard show``, ``history`` and ``diff``: scorecards in the record."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scorecard.cli.options import Database, Json, ModelRef, settings
from scorecard.cli.output import Column, console, echo_json, say, table
from scorecard.errors import escape_controls

Series = Annotated[
    str | None,
    typer.Option(
        "--framework",
        "-f",
        metavar="ID",
        help="The model's scorecards under this framework, a separate series (default: the "
        "framework it was first scored under).",
        show_default=False,
    ),
]
ScorecardId = Annotated[
    int | None,
    typer.Option(
        "--scorecard",
        "--id",
        metavar="ID",
        help="A scorecard id from `history` (default: the latest of the series).",
        show_default=False,
    ),
]


def register(root: typer.Typer) -> None:
    root.command("show")(show)
    root.command("history")(history)
    root.command("diff")(diff)


def changes_line(changes: list[dict[str, Any]]) -> str:
    """What moved, in one line: "cybersecurity (pre) medium -> high (why); ..."."""
    return "; ".join(
        f"{c['what']} {c['before']} -> {c['after']}" + (f" ({c['why']})" if c["why"] else "")
        for c in changes
    )


def show(
    model: ModelRef,
    scorecard_id: ScorecardId = None,
    framework: Series = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show a model's latest scorecard, its mitigations, the decisions on it and what they flag,
    which scorecard the decisions were made on and what changed since, and attestations."""
    from scorecard.commands.scorecards import show as run

    data = run(settings(database, framework), model, scorecard_id)
    if as_json:
        echo_json(data)
        return
    from scorecard.cli.display import print_scorecard
    from scorecard.cli.safetext import SafeText as Text
    from scorecard.core.result import ScorecardResult

    out = console()
    latest = "" if data["is_latest"] else f" (not the latest: #{data['latest_id']} is)"
    out.print(
        Text(
            escape_controls(
                f"{data['model']} — scorecard #{data['id']} ({data['series']}) computed by "
                f"{data['computed_by']} at {data['computed_at'][:19]} UTC{latest}"
            ),
            style="bold",
        )
    )
    print_scorecard(out, ScorecardResult.from_json_dict(data))
    for m in data["mitigations"]:
        say(f"Mitigation ({m['category']}) by {m['by']}: {m['description']}")
    decided = data["decided_scorecard"]
    if decided is not None and decided != data["id"]:
        changes = data["changes_since_decided"]
        moved = f"changed since: {changes_line(changes)}" if changes else "nothing moved since"
        say(f"Decisions were made on scorecard #{decided}; {moved}")
    for d in data["decisions"]:
        reverses = f" (reverses #{d['reverses_id']})" if d["reverses_id"] else ""
        say(
            f"Decision #{d['id']} [{d['role']}] {d['decision']}{reverses} by "
            f"{d['by']}: {d['rationale']}"
        )
    for f in data["flags"]:
        say(f"Flag ({f['kind'].replace('_', ' ')}): {f['message']}")
    for a in data["attestations"]:
        on = f" on scorecard #{a['scorecard_id']}" if a["scorecard_id"] else ""
        say(f"Attestation #{a['id']} ({a['gate']}) by {a['by']}{on}: {a['rationale']}")
    framework_data = data["framework"]
    say(
        f"framework {framework_data['id']} {framework_data['version']}, snapshot sha256 "
        f"{data['framework_snapshot']}"
    )
    say(f"hash {data['hash']}")
    for other in data["other_series"]:
        say(f"also scored under {other}: `scorecard show {data['model']} --framework {other}`")


def history(
    model: ModelRef,
    framework: Series = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """List the scorecards of a model's series, oldest first."""
    from scorecard.commands.scorecards import history as run
    from scorecard.commands.scorecards import other_series

    chosen = settings(database, framework)
    rows = run(chosen, model)
    if as_json:
        echo_json(rows)
        return
    series = f" under {rows[0]['framework']}" if rows else ""
    table(
        f"Scorecards of {model}{series}",
        [
            Column("#", key=True, justify="right"),
            Column("Framework", key=True),
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
                r["framework"],
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
    for other in other_series(chosen, model):
        say(f"also scored under {other}: `scorecard history {model} --framework {other}`")


def diff(
    model: ModelRef,
    first: Annotated[int | None, typer.Argument(metavar="A", help="Older scorecard id.")] = None,
    second: Annotated[int | None, typer.Argument(metavar="B", help="Newer scorecard id.")] = None,
    since: Annotated[
        int | None,
        typer.Option(
            "--scorecard",
            metavar="ID",
            help="Compare this scorecard with the latest of its series (e.g. the one decided).",
            show_default=False,
        ),
    ] = None,
    framework: Series = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show what moved between two scorecards (default: the two latest of the series) and why."""
    from scorecard.commands.scorecards import diff as run

    data = run(settings(database, framework), model, first, second, since=since)
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
