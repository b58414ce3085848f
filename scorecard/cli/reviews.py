"""``scorecard judge``, ``mitigate`` and ``decide``: what people add to the record."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecard.cli.options import (
    By,
    Database,
    FrameworkId,
    FrameworkPath,
    ModelRef,
    Rationale,
    settings,
)
from scorecard.cli.output import say
from scorecard.cli.scoring import refuse_inapplicable
from scorecard.core.evidence import JUDGMENT_KINDS
from scorecard.core.process import DECISIONS, ROLE_DUTIES, ROLES
from scorecard.errors import UsageError


def register(root: typer.Typer) -> None:
    root.command("judge")(judge)
    root.command("mitigate")(mitigate)
    root.command("decide")(decide)


def judge(
    model: ModelRef,
    by: By,
    rationale: Rationale,
    category: Annotated[
        str | None, typer.Option(metavar="CATEGORY", help="The risk category id.")
    ] = None,
    stage: Annotated[
        str | None, typer.Option(metavar="STAGE", help="The stage, e.g. pre or post.")
    ] = None,
    level: Annotated[str | None, typer.Option(metavar="LEVEL", help="The level you judge.")] = None,
    indicator: Annotated[
        str | None, typer.Option(metavar="INDICATOR", help="Judge one indicator only.")
    ] = None,
    override: Annotated[
        bool,
        typer.Option(
            "--override", help="Allow lowering a computed level (flagged wherever it is shown)."
        ),
    ] = False,
    kind: Annotated[
        str,
        typer.Option(
            metavar="KIND",
            help="level, or safeguards (judged sufficient up to LEVEL, for v2-style gates).",
        ),
    ] = "level",
    post_equals_pre: Annotated[
        bool,
        typer.Option("--post-equals-pre", help="Set every post level to the latest pre level."),
    ] = False,
    corrects: Annotated[
        int | None, typer.Option(metavar="ID", help="The judgment id this one corrects.")
    ] = None,
    framework: FrameworkId = None,
    framework_path: FrameworkPath = None,
    database: Database = None,
) -> None:
    """Record an expert judgment or a safety-group override, with who and why."""
    from scorecard.commands import reviews

    chosen = settings(database, framework, framework_path)
    if post_equals_pre:
        refuse_inapplicable(
            "with --post-equals-pre (it judges every category's post level)",
            {
                "--category": category is not None,
                "--stage": stage is not None,
                "--level": level is not None,
                "--indicator": indicator is not None,
                "--override": override,
                "--kind": kind != "level",
                "--corrects": corrects is not None,
            },
        )
        rows = reviews.judge_post_equals_pre(chosen, model, by, rationale)
        say(
            f"recorded {len(rows)} judgments setting post = pre for {model}; "
            f"run `scorecard score {model}` to apply them"
        )
        return
    if category is None or stage is None or level is None:
        raise UsageError("judge needs --category, --stage and --level (or --post-equals-pre)")
    if kind not in JUDGMENT_KINDS:
        raise UsageError(f"unknown kind {kind!r} (expected {' or '.join(JUDGMENT_KINDS)})")
    from pydantic import ValidationError

    from scorecard.core.evidence import Judgment

    try:
        judgment = Judgment(
            category=category,
            stage=stage,
            level=level,
            by=by,
            rationale=rationale,
            indicator=indicator,
            override=override,
            kind=kind,  # checked against JUDGMENT_KINDS above
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise UsageError(f"--{problem['loc'][0]}: {problem['msg'].lower()}") from None
    row = reviews.judge(chosen, model, judgment, corrects=corrects)
    say(f"recorded judgment #{row.id}; run `scorecard score {model}` to apply it")


def mitigate(
    model: ModelRef,
    category: Annotated[str, typer.Option(metavar="CATEGORY", help="The risk category id.")],
    by: By,
    description: Annotated[str, typer.Option(metavar="TEXT", help="What was done.")],
    framework: FrameworkId = None,
    framework_path: FrameworkPath = None,
    database: Database = None,
) -> None:
    """Record a mitigation applied for a risk category."""
    from scorecard.commands import reviews

    row = reviews.mitigate(
        settings(database, framework, framework_path), model, category, by, description
    )
    say(f"recorded mitigation #{row.id} for {category}")


def decide(
    model: ModelRef,
    decision: Annotated[
        str, typer.Option(metavar="DECISION", help=f"What is decided: {', '.join(DECISIONS)}.")
    ],
    role: Annotated[
        str,
        typer.Option(
            metavar="ROLE",
            help="; ".join(f"{r} ({ROLE_DUTIES[r]})" for r in ROLES) + ".",
        ),
    ],
    by: By,
    rationale: Rationale,
    database: Database = None,
) -> None:
    """Record a decision on the latest scorecard; the framework's gates are enforced."""
    from scorecard.commands import reviews

    row = reviews.decide(settings(database), model, decision, role, by, rationale)
    reverses = f", reversing decision #{row.reverses_id}" if row.reverses_id else ""
    say(
        f"recorded {role} decision #{row.id}: {decision} on scorecard #{row.scorecard_id}{reverses}"
    )
