"""``scorecard score``: rate evidence files against a framework, with no database."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.options import Database, FrameworkId, FrameworkPath, Json

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
    model: Annotated[
        str | None,
        typer.Argument(
            metavar="[MODEL]",
            help="A stored model (NAME or NAME@VERSION): score its evidence and judgments and "
            "store the scorecard. Leave out to score --evidence files directly.",
        ),
    ] = None,
    evidence: Annotated[
        list[Path] | None,
        typer.Option(
            "--evidence",
            "-e",
            help="Evidence file (CSV or JSONL: stage, task, metric, value"
            "[, stderr, n_samples]). Repeatable; scores the files with no database.",
            dir_okay=False,
        ),
    ] = None,
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
    rationale: Annotated[str | None, typer.Option(help="Why post = pre.")] = None,
    check: Annotated[
        CheckChoice | None,
        typer.Option(
            help=f"Exit {GATE_FAILED_EXIT} unless the scorecard allows this (for CI pipelines)."
        ),
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who scores, or who sets post = pre.")] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Score a stored model, or evidence files directly, and print the scorecard.

    With MODEL the scorecard is computed from the database and stored as a new, immutable
    record. With --evidence nothing is stored: use it in an evaluation pipeline to ask whether a
    checkpoint crosses a threshold.
    """
    from scorecard.errors import ScorecardError

    if (model is None) == (not evidence):
        raise ScorecardError("give either MODEL (stored evidence) or --evidence FILE, not both")
    if model is not None:
        _score_stored(
            model, framework, framework_path, policy, margin, by, database, as_json, check
        )
        return
    from scorecard.command import score_files

    cautious = None
    if post_equals_pre:
        if not by or not rationale:
            raise ScorecardError("--post-equals-pre needs --by and --rationale")
        cautious = (by, rationale)
    assert evidence is not None
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
    _check(check, scored.result.eligibility.deploy, scored.result.eligibility.develop, as_json)


def _check(check: CheckChoice | None, deploy: bool, develop: bool, as_json: bool) -> None:
    if check is None:
        return
    allowed = deploy if check == CheckChoice.deploy else develop
    if not allowed:
        if not as_json:
            typer.echo(f"check failed: the scorecard does not allow {check.value}", err=True)
        raise typer.Exit(GATE_FAILED_EXIT)


def _score_stored(
    model: str,
    framework: str,
    framework_path: list[Path] | None,
    policy: PolicyChoice,
    margin: float | None,
    by: str | None,
    database: str | None,
    as_json: bool,
    check: CheckChoice | None,
) -> None:
    from scorecard.command import score_model

    data = score_model(
        database,
        model,
        framework_id=framework,
        framework_path=framework_path or [],
        policy=policy.value,
        margin=margin,
        by=by,
    )
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        from rich.console import Console
        from rich.text import Text

        from scorecard import packs
        from scorecard.cli.display import print_scorecard
        from scorecard.core.result import ScorecardResult

        console = Console()
        console.print(Text(f"{data['model']} — scorecard #{data['id']} stored", style="bold"))
        print_scorecard(
            console,
            ScorecardResult.from_json_dict(data),
            packs.load(framework, framework_path or []),
        )
        console.print(Text(f"hash {data['hash']}", style="dim"))
    eligibility = data["eligibility"]
    _check(check, eligibility["deploy"], eligibility["develop"], as_json)
