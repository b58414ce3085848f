"""``scorecard score``: rate evidence files against a framework, with no database."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.options import FrameworkId, FrameworkPath, Json

GATE_FAILED_EXIT = 3


class PolicyChoice(StrEnum):
    point = "point"
    upper_ci = "upper-ci"


class CheckChoice(StrEnum):
    deploy = "deploy"
    develop = "develop"


def register(app: typer.Typer) -> None:
    app.command("score")(score)


def score(
    evidence: Annotated[
        list[Path],
        typer.Option(
            "--evidence",
            "-e",
            help="Evidence file (CSV or JSONL: stage, task, metric, value"
            "[, stderr, n_samples]). Repeatable.",
            dir_okay=False,
        ),
    ],
    judgments: Annotated[
        list[Path] | None,
        typer.Option(
            "--judgments",
            "-j",
            help="Judgment file (CSV or JSONL: category, stage, level, by, "
            "rationale[, indicator, override, kind]). Repeatable.",
            dir_okay=False,
        ),
    ] = None,
    framework: FrameworkId = "preparedness-v1",
    framework_path: FrameworkPath = None,
    policy: Annotated[
        PolicyChoice,
        typer.Option(
            help="Rate on the point estimate, or (precautionary) on the upper end of "
            "the confidence interval."
        ),
    ] = PolicyChoice.point,
    margin: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=0.99,
            help="Warn when a value is within this fraction of its "
            "next threshold (default: the framework's).",
        ),
    ] = None,
    post_equals_pre: Annotated[
        bool,
        typer.Option(
            "--post-equals-pre",
            help="Set every post-mitigation level to its "
            "pre-mitigation level (needs --by and --rationale).",
        ),
    ] = False,
    by: Annotated[str | None, typer.Option(help="Who sets post = pre.")] = None,
    rationale: Annotated[str | None, typer.Option(help="Why post = pre.")] = None,
    check: Annotated[
        CheckChoice | None,
        typer.Option(
            help=f"Exit {GATE_FAILED_EXIT} unless the scorecard allows this (for CI pipelines)."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Score evidence (and judgments) against a framework and print the scorecard.

    Nothing is stored: use this in an evaluation pipeline to ask whether a checkpoint crosses a
    threshold.
    """
    from scorecard.command import score_files
    from scorecard.errors import ScorecardError

    cautious = None
    if post_equals_pre:
        if not by or not rationale:
            raise ScorecardError("--post-equals-pre needs --by and --rationale")
        cautious = (by, rationale)
    scored = score_files(
        evidence,
        judgments or [],
        framework_id=framework,
        framework_path=framework_path or [],
        policy=policy.value,
        margin=margin,
        post_equals_pre_by=cautious,
    )
    if as_json:
        typer.echo(json.dumps(scored.result.to_json_dict(), indent=2))
    else:
        from rich.console import Console

        from scorecard.cli.display import print_scorecard

        print_scorecard(Console(), scored.result, scored.framework)
    if check is not None:
        allowed = getattr(scored.result.eligibility, check.value)
        if not allowed:
            if not as_json:
                typer.echo(f"check failed: the scorecard does not allow {check.value}", err=True)
            raise typer.Exit(GATE_FAILED_EXIT)
