"""``scorecard ingest`` and ``scorecard evidence``: evidence in, and what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scorecard.cli.options import (
    AllowShadow,
    Database,
    FrameworkId,
    FrameworkPath,
    Json,
    ModelRef,
    settings,
)
from scorecard.cli.output import Column, console, echo_json, say, table, warn
from scorecard.readers.interface import FORMATS

if TYPE_CHECKING:
    from scorecard.records.evidence import Ingested


def register(root: typer.Typer) -> None:
    root.command("ingest")(ingest)
    root.command("evidence")(evidence)


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="Evidence files or folders (walked)."),
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            metavar="NAME[@VERSION]",
            help="The model the evidence belongs to.",
        ),
    ],
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            "-s",
            metavar="STAGE",
            help="pre or post mitigation. Needed for logs; a CSV or JSONL file whose rows "
            "have a stage column can leave it out (its rows may then mix stages).",
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option(metavar="NAME", help="Who ingests (default: the OS user).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help=f"One of {', '.join(FORMATS)}: Inspect AI logs (.eval, .json), lm-eval "
            "results, CSV or JSONL; auto decides by content.",
        ),
    ] = "auto",
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Also take logs of runs that did not finish (error, cancelled), stored "
            "flagged as incomplete.",
        ),
    ] = False,
    accept_models: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-model",
            metavar="NAME",
            help="Take logs whose own model is NAME although it is not the model under "
            "assessment (Inspect's mockllm, or another than earlier evidence names); they are "
            "stored marked as accepted. Repeatable.",
        ),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Store evidence files for a model: Inspect AI logs, lm-eval results, CSV or JSONL.

    Folders are walked. Every value is checked against its indicator's unit, and every log's
    model against the model under assessment; one bad file or row aborts the batch and nothing
    of it is stored.
    """
    from rich.progress import Progress

    from scorecard.commands import evidence as commands
    from scorecard.errors import UsageError
    from scorecard.readers import discover

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (expected {', '.join(FORMATS)})")
    files = discover(paths)
    err = console(stderr=True)
    # A transient bar on a pipe or a log file would leave a stray line behind.
    show_progress = len(files) > 3 and not as_json and err.is_terminal
    with Progress(console=err, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("reading evidence", total=len(files))
        results = commands.ingest(
            settings(database),
            files,
            model,
            stage,
            by,
            on_file=(lambda _path: progress.advance(task)) if show_progress else None,
            fmt=fmt,  # type: ignore[arg-type]  # checked against FORMATS above
            allow_incomplete=allow_incomplete,
            accept_models=accept_models or (),
        )
    if as_json:
        echo_json(
            [
                {
                    "file": str(r.file.path),
                    "format": r.file.format,
                    "source_id": r.source_id,
                    "stored": r.stored,
                    "rows": len(r.file.evidence),
                    "stage": r.stage,
                    "log_model": r.file.log_model,
                    "accepted_model": r.accepted_model,
                    "note": r.note,
                    "warnings": list(r.warnings),
                }
                for r in results
            ]
        )
        return
    for warning in _grouped_warnings(results):
        warn(f"warning: {warning}")
    stored = [r for r in results if r.stored]
    for r in results:
        say(f"{'stored ' if r.stored else 'skipped'} {r.file.path}: {r.note}")
    rows = sum(len(r.file.evidence) for r in stored)
    stages = {e.stage for r in stored for e in r.file.evidence} or ({stage} if stage else set())
    shown = f" ({' and '.join(s for s in ('pre', 'post') if s in stages)})" if stages else ""
    say(f"{len(stored)} of {len(results)} files stored, {rows} evidence rows{shown}")


def _grouped_warnings(results: list[Ingested]) -> list[str]:
    """One line per warning, or per kind of warning when several files share it (a folder of
    200 accepted mock logs is one line, not 200)."""
    files: dict[str, list[str]] = {}
    for r in results:
        name = r.file.path.name
        for warning in r.warnings:
            text = warning.removeprefix(f"{name}: ")
            files.setdefault(text, []).append(name)
    lines = []
    for text, names in files.items():
        if len(names) == 1:
            lines.append(f"{names[0]}: {text}")
        else:
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            lines.append(f"{len(names)} files ({shown}): {text}")
    return lines


def evidence(
    model: ModelRef,
    stage: Annotated[str | None, typer.Option(metavar="STAGE", help="Only this stage.")] = None,
    framework: FrameworkId = None,
    framework_path: FrameworkPath = None,
    allow_shadow: AllowShadow = False,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """List a model's stored evidence, the indicator each row feeds, and what is missing."""
    from scorecard.commands import evidence as commands

    data = commands.listing(
        settings(database, framework, framework_path, allow_shadow), model, stage
    )
    if as_json:
        echo_json(data)
        return
    table(
        f"Evidence of {data['model']} ({data['framework']})",
        [
            Column("ID", key=True, justify="right"),
            Column("Stage", key=True),
            Column("Task", key=True),
            Column("Metric", key=True),
            Column("Value", justify="right"),
            Column("± stderr", justify="right"),
            Column("Source (sha256)"),
            Column("Feeds"),
        ],
        [
            (
                r["id"],
                r["stage"],
                r["task"],
                r["metric"],
                f"{r['value']:.4g}",
                f"{r['stderr']:.3g}" if r["stderr"] is not None else "",
                f"{r['source']} ({r['format']}, {r['sha256'][:8]})"
                + ("" if r["complete"] else " incomplete run")
                + (f" model {r['accepted_model']} accepted" if r.get("accepted_model") else "")
                + (f"\ncited: {r['citation']}" if r.get("citation") else ""),
                _feeds(r),
            )
            for r in data["evidence"]
        ],
    )
    withdrawn = sum(1 for r in data["evidence"] if r["withdrawn"])
    if withdrawn:
        say(f"{withdrawn} withdrawn rows are shown but not scored")
    for stage_id, missing in data["missing"].items():
        if missing:
            say(f"No evidence yet ({stage_id}): {', '.join(missing)}")
    for stage_id, missing in data["needs_judgment"].items():
        if missing:
            say(f"No judgment yet ({stage_id}): {', '.join(missing)}")


def _feeds(row: dict[str, Any]) -> str:
    """The indicators a row feeds, or, for a withdrawn row, who withdrew it, when and why."""
    withdrawn = row["withdrawn"]
    if withdrawn:
        return f"WITHDRAWN {withdrawn['at'][:10]} by {withdrawn['by']}: {withdrawn['reason']}"
    return ", ".join(row["indicators"]) or "—"
