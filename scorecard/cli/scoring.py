"""``scorecard score``: rate a stored model, or evidence files with no database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scorecard.cli.options import (
    AllowShadow,
    Database,
    FrameworkId,
    FrameworkPath,
    Json,
    refuse_inapplicable,
    settings,
)
from scorecard.cli.output import echo_json
from scorecard.core.vocabulary import POLICIES
from scorecard.errors import EXIT_GATE_CLOSED, UsageError

if TYPE_CHECKING:
    from scorecard.core.result import Eligibility
    from scorecard.settings import Settings

CHECKS = ("deploy", "develop")


def register(root: typer.Typer) -> None:
    root.command("score")(score)


def score(
    model: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME[@VERSION]",
            help="A stored model: score its evidence and judgments and store the scorecard. "
            "Leave out to score --evidence files directly.",
        ),
    ] = None,
    evidence: Annotated[
        list[Path] | None,
        typer.Option(
            "--evidence",
            "-e",
            metavar="FILE",
            help="Evidence file: anything `ingest` reads (CSV/JSONL with stage, task, metric, "
            "value[, stderr, n_samples, source]; Inspect logs and lm-eval results with --stage). "
            "Repeatable; scores the files with no database.",
            dir_okay=False,
        ),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            "-s",
            metavar="STAGE",
            help="With --evidence: the stage of files that do not name one (evaluation logs).",
        ),
    ] = None,
    judgments: Annotated[
        list[Path] | None,
        typer.Option(
            "--judgments",
            "-j",
            metavar="FILE",
            help="With --evidence: a judgment file (CSV or JSONL: category, stage, level, by, "
            "rationale[, indicator, override, kind]). Repeatable.",
            dir_okay=False,
        ),
    ] = None,
    framework: FrameworkId = None,
    framework_path: FrameworkPath = None,
    allow_shadow: AllowShadow = False,
    policy: Annotated[
        str,
        typer.Option(
            metavar="POLICY",
            help="point: rate on the point estimate; upper-ci (precautionary): on the upper "
            "end of the confidence interval.",
        ),
    ] = "point",
    margin: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=0.99,
            metavar="FRACTION",
            help="Warn when a value is within this fraction of its next threshold (default: "
            "the framework's).",
        ),
    ] = None,
    post_equals_pre: Annotated[
        bool,
        typer.Option(
            "--post-equals-pre",
            help="With --evidence: set every post-mitigation level to its pre-mitigation "
            "level (needs --by and --rationale). For a stored model: `judge --post-equals-pre`.",
        ),
    ] = False,
    rationale: Annotated[
        str | None, typer.Option(metavar="TEXT", help="With --post-equals-pre: why.")
    ] = None,
    check: Annotated[
        str | None,
        typer.Option(
            metavar="GATE",
            help=f"deploy or develop: exit {EXIT_GATE_CLOSED} unless the scorecard allows it "
            "(for CI pipelines).",
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Who scores (MODEL), or who sets post = pre."),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Score a stored model, or evidence files directly, and print the scorecard.

    With MODEL the scorecard is computed from the database and stored as a new, immutable
    record. With --evidence nothing is stored: use it in an evaluation pipeline to ask whether a
    checkpoint crosses a threshold.
    """
    if (model is None) == (not evidence):
        raise UsageError("give either MODEL (stored evidence) or --evidence FILE, not both")
    if policy not in POLICIES:
        raise UsageError(f"unknown policy {policy!r} (expected {' or '.join(POLICIES)})")
    if check is not None and check not in CHECKS:
        raise UsageError(f"unknown check {check!r} (expected {' or '.join(CHECKS)})")
    if model is not None:
        refuse_inapplicable(
            "to a stored model (record judgments with `scorecard judge`)",
            {
                "--judgments": bool(judgments),
                "--post-equals-pre": post_equals_pre,
                "--rationale": rationale is not None,
                "--stage": stage is not None,
            },
        )
        eligibility = _score_stored(
            model,
            settings(database, framework, framework_path, allow_shadow),
            policy,
            margin,
            by,
            as_json,
        )
        _check(check, eligibility, as_json)
        return
    refuse_inapplicable(
        "to scoring files: nothing is stored",
        {
            "--database": database is not None,
            "--by": by is not None and not post_equals_pre,
            "--rationale": rationale is not None and not post_equals_pre,
        },
    )
    cautious = None
    if post_equals_pre:
        if not by or not rationale:
            raise UsageError("--post-equals-pre needs --by and --rationale")
        cautious = (by, rationale)
    from scorecard.commands.scoring import score_files

    assert evidence is not None
    scored = score_files(
        settings(None, framework, framework_path, allow_shadow),
        evidence,
        judgments or [],
        stage=stage,
        policy=policy,  # type: ignore[arg-type]  # checked against POLICIES above
        margin=margin,
        post_equals_pre_by=cautious,
    )
    if as_json:
        echo_json(scored.result.to_json_dict())
    else:
        from scorecard.cli.display import print_scorecard
        from scorecard.cli.output import console

        print_scorecard(console(), scored.result, scored.framework)
    _check(check, scored.result.eligibility, as_json)


def _check(check: str | None, eligibility: Eligibility, as_json: bool) -> None:
    if check is None:
        return
    allowed = eligibility.deploy if check == "deploy" else eligibility.develop
    if not allowed:
        if not as_json:
            typer.echo(f"check failed: the scorecard does not allow {check}", err=True)
        raise typer.Exit(EXIT_GATE_CLOSED)


def _score_stored(
    model: str,
    chosen: Settings,
    policy: str,
    margin: float | None,
    by: str | None,
    as_json: bool,
) -> Eligibility:
    from scorecard import packs
    from scorecard.commands.scorecards import score_model
    from scorecard.core.result import ScorecardResult

    data = score_model(
        chosen,
        model,
        policy=policy,  # type: ignore[arg-type]  # checked against POLICIES
        margin=margin,
        by=by,
    )
    result = ScorecardResult.from_json_dict(data)
    if as_json:
        echo_json(data)
        return result.eligibility
    from scorecard.cli.display import print_scorecard
    from scorecard.cli.output import console, warn
    from scorecard.cli.safetext import SafeText as Text

    for note in data["notes"]:
        warn(f"note: {note}")
    out = console()
    what = (
        f"scorecard #{data['id']} stored"
        if data["stored"]
        else f"unchanged since scorecard #{data['id']}: nothing stored"
    )
    out.print(Text(f"{data['model']} — {what}", style="bold"))
    print_scorecard(out, result, packs.selected(chosen, data["framework"]["id"]))
    out.print(Text(f"framework snapshot sha256 {data['framework_snapshot']}", style="dim"))
    out.print(Text(f"hash {data['hash']}", style="dim"))
    return result.eligibility
