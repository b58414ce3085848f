"""Database-backed commands: init, db, models, ingest, show, history, diff, judge, mitigate,
decide and audit."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from scorecard.cli.options import (
    By,
    Database,
    FrameworkId,
    FrameworkPath,
    Json,
    ModelRef,
    Rationale,
)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _console() -> Any:
    from rich.console import Console

    return Console()


def _err(message: str) -> None:
    typer.echo(message, err=True)


class Stage(StrEnum):
    pre = "pre"
    post = "post"


class DecisionChoice(StrEnum):
    deploy = "deploy"
    do_not_deploy = "do-not-deploy"
    continue_development = "continue-development"
    pause_development = "pause-development"


class Role(StrEnum):
    sag = "sag"
    leadership = "leadership"
    board = "board"


class EvidenceFormat(StrEnum):
    auto = "auto"
    inspect = "inspect"
    lm_eval = "lm-eval"
    csv = "csv"
    jsonl = "jsonl"


class CardFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    md = "md"


class Kind(StrEnum):
    level = "level"
    safeguards = "safeguards"


db_app = typer.Typer(
    help="Operate the database schema (upgrade, current, history).", no_args_is_help=True
)
models_app = typer.Typer(help="Add and list the models under assessment.", no_args_is_help=True)
audit_app = typer.Typer(
    help="Verify and read the tamper-evident audit trail.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
    app.add_typer(models_app, name="models")
    app.command("ingest")(ingest)
    app.command("evidence")(evidence)
    app.command("show")(show)
    app.command("history")(history)
    app.command("diff")(diff)
    app.command("judge")(judge)
    app.command("mitigate")(mitigate)
    app.command("decide")(decide)
    app.add_typer(audit_app, name="audit")
    app.command("render")(render)


def init(database: Database = None) -> None:
    """Create the database, or upgrade its schema to this version of scorecard."""
    from scorecard.command import init as run

    shown, before, after = run(database)
    if before == after:
        typer.echo(f"{shown} is up to date (schema revision {after})")
    else:
        typer.echo(f"{shown}: schema {before or 'none'} -> {after}")


@db_app.command("upgrade")
def db_upgrade(database: Database = None) -> None:
    """Upgrade the schema to the latest revision (same as `scorecard init`)."""
    init(database)


@db_app.command("current")
def db_current(database: Database = None, as_json: Json = False) -> None:
    """Show the schema revision the database is at."""
    from scorecard.db.engine import display_url, resolve_url
    from scorecard.db.migrate import HEAD, current

    url = resolve_url(database)
    revision = current(url)
    if as_json:
        _echo_json({"database": display_url(url), "revision": revision, "head": HEAD})
        return
    state = "up to date" if revision == HEAD else f"needs upgrade to {HEAD}"
    typer.echo(f"{display_url(url)}: revision {revision or 'none'} ({state})")


@db_app.command("history")
def db_history(database: Database = None, as_json: Json = False) -> None:
    """List the schema revisions this scorecard knows."""
    from scorecard.db.engine import resolve_url
    from scorecard.db.migrate import history as revisions

    rows = revisions(resolve_url(database))
    if as_json:
        _echo_json([vars(r) for r in rows])
        return
    for r in rows:
        typer.echo(f"{r.revision}  {r.doc}{'  (head)' if r.is_head else ''}")


@models_app.command("add")
def models_add(
    name: Annotated[str, typer.Argument(help="The model's name.")],
    version: Annotated[str, typer.Option("--version", help="The model's version.")] = "",
    description: Annotated[str, typer.Option(help="What this model is.")] = "",
    by: Annotated[str | None, typer.Option(help="Who adds it (default: the OS user).")] = None,
    database: Database = None,
) -> None:
    """Add a model under assessment (unique by name and version)."""
    from scorecard.command import models_add as run
    from scorecard.records.models import label

    model = run(database, name, version, description, by)
    typer.echo(f"added model {label(model)} (#{model.id})")


@models_app.command("list")
def models_list(database: Database = None, as_json: Json = False) -> None:
    """List the models, with how much evidence and how many scorecards each has."""
    from rich.table import Table
    from rich.text import Text

    from scorecard.command import models_list as run

    rows = run(database)
    if as_json:
        _echo_json(rows)
        return
    table = Table(title="Models")
    for column in ("Model", "Description", "Evidence", "Scorecards", "Added by", "Added"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            Text(r["ref"]),
            Text(r["description"]),
            str(r["evidence"]),
            str(r["scorecards"]),
            Text(r["created_by"]),
            r["created_at"][:19],
        )
    _console().print(table)


def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Evidence files or folders (walked).", exists=False)
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model", "-m", help="The model (NAME or NAME@VERSION) the evidence belongs to."
        ),
    ],
    stage: Annotated[Stage, typer.Option("--stage", "-s", help="pre or post mitigation.")],
    by: Annotated[str | None, typer.Option(help="Who ingests (default: the OS user).")] = None,
    fmt: Annotated[
        EvidenceFormat,
        typer.Option(
            "--format",
            help="Inspect AI logs (.eval, .json), lm-eval results, CSV or "
            "JSONL; auto decides by content.",
        ),
    ] = EvidenceFormat.auto,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Also take logs of runs that did not "
            "finish (error, cancelled), stored flagged as incomplete.",
        ),
    ] = False,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Store evidence files for a model: Inspect AI logs, lm-eval results, CSV or JSONL.

    Folders are walked. One bad file aborts the batch and nothing of it is stored.
    """
    from rich.progress import Progress

    from scorecard.command import discover_files
    from scorecard.command import ingest as run

    files = discover_files(paths)
    console = _console_err()
    # A transient bar on a pipe or a log file would leave a stray line behind.
    show_progress = len(files) > 3 and not as_json and console.is_terminal
    with Progress(console=console, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("reading evidence", total=len(files))
        results = run(
            database,
            files,
            model,
            stage.value,
            by,
            on_file=lambda _path: progress.advance(task),
            fmt=fmt.value,
            allow_incomplete=allow_incomplete,
        )
    if as_json:
        _echo_json(
            [
                {
                    "file": str(r.file.path),
                    "format": r.file.format,
                    "source_id": r.source_id,
                    "stored": r.stored,
                    "rows": len(r.file.evidence),
                    "log_model": r.file.log_model,
                    "note": r.note,
                    "warnings": list(r.warnings),
                }
                for r in results
            ]
        )
        return
    for r in results:
        for warning in r.warnings:
            _err(f"warning: {warning}")
    stored = [r for r in results if r.stored]
    for r in results:
        typer.echo(f"{'stored ' if r.stored else 'skipped'} {r.file.path}: {r.note}")
    rows = sum(len(r.file.evidence) for r in stored)
    typer.echo(
        f"{len(stored)} of {len(results)} files stored, {rows} evidence rows ({stage.value})"
    )


def evidence(
    model: ModelRef,
    stage: Annotated[Stage | None, typer.Option(help="Only this stage.")] = None,
    framework: FrameworkId = "preparedness-v1",
    framework_path: FrameworkPath = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """List a model's stored evidence, the indicator each row feeds, and what is missing."""
    from rich.table import Table
    from rich.text import Text

    from scorecard.command import evidence_listing

    data = evidence_listing(
        database,
        model,
        stage.value if stage else None,
        framework_id=framework,
        framework_path=framework_path or [],
    )
    if as_json:
        _echo_json(data)
        return
    console = _console()
    table = Table(title=f"Evidence of {data['model']} ({data['framework']})")
    for column in ("Stage", "Task", "Metric", "Value", "± stderr", "Source", "Feeds"):
        table.add_column(column, overflow="fold")
    for r in data["evidence"]:
        stderr = f"{r['stderr']:.3g}" if r["stderr"] is not None else ""
        source = Text(f"{r['source']} ({r['format']})")
        if not r["complete"]:
            source.append(" incomplete run", style="bold red")
        feeds = Text(", ".join(r["indicators"]) or "—", style="" if r["indicators"] else "dim")
        table.add_row(
            r["stage"],
            Text(r["task"]),
            Text(r["metric"]),
            f"{r['value']:.4g}",
            stderr,
            source,
            feeds,
        )
    console.print(table)
    for stage_id, missing in data["missing"].items():
        if missing:
            console.print(
                Text(f"No evidence yet ({stage_id}): {', '.join(missing)}", style="yellow")
            )
    for stage_id, missing in data["needs_judgment"].items():
        if missing:
            console.print(Text(f"No judgment yet ({stage_id}): {', '.join(missing)}", style="dim"))


def _console_err() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def show(
    model: ModelRef,
    scorecard_id: Annotated[
        int | None,
        typer.Option("--id", help="A scorecard id from `history` (default: the latest)."),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show a model's latest scorecard, its mitigations and the decisions on it."""
    from scorecard.command import show as run

    data = run(database, model, scorecard_id)
    if as_json:
        _echo_json(data)
        return
    from rich.text import Text

    from scorecard.cli.display import print_scorecard
    from scorecard.core.result import ScorecardResult

    console = _console()
    console.print(
        Text(
            f"{data['model']} — scorecard #{data['id']} computed by "
            f"{data['computed_by']} at {data['computed_at'][:19]} UTC"
            + ("" if data["is_latest"] else " (not the latest)"),
            style="bold",
        )
    )
    print_scorecard(console, ScorecardResult.from_json_dict(data))
    for m in data["mitigations"]:
        console.print(Text(f"Mitigation ({m['category']}) by {m['by']}: {m['description']}"))
    for d in data["decisions"]:
        reverses = f" (reverses #{d['reverses_id']})" if d["reverses_id"] else ""
        console.print(
            Text(
                f"Decision #{d['id']} [{d['role']}] {d['decision']}{reverses} by "
                f"{d['by']}: {d['rationale']}"
            )
        )
    console.print(Text(f"hash {data['hash']}", style="dim"))


def history(model: ModelRef, database: Database = None, as_json: Json = False) -> None:
    """List a model's scorecards, oldest first."""
    from rich.table import Table
    from rich.text import Text

    from scorecard.command import history as run

    rows = run(database, model)
    if as_json:
        _echo_json(rows)
        return
    table = Table(title=f"Scorecards of {model}")
    for column in ("#", "Computed", "By", "Policy", "Overall", "Deploy", "Develop", "Hash"):
        table.add_column(column, overflow="fold")
    for r in rows:
        overall = ", ".join(f"{s} {lv or 'not assessed'}" for s, lv in r["overall"].items())
        table.add_row(
            str(r["id"]),
            r["computed_at"][:19],
            Text(r["computed_by"]),
            r["policy"],
            overall,
            "yes" if r["deploy"] else "no",
            "yes" if r["develop"] else "no",
            r["hash"][:12],
        )
    _console().print(table)


def diff(
    model: ModelRef,
    first: Annotated[int | None, typer.Argument(metavar="[A]", help="Older scorecard id.")] = None,
    second: Annotated[int | None, typer.Argument(metavar="[B]", help="Newer scorecard id.")] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show what moved between two scorecards (default: the two latest) and why."""
    from scorecard.command import diff as run

    data = run(database, model, first, second)
    if as_json:
        _echo_json(data)
        return
    from rich.table import Table
    from rich.text import Text

    if not data["changes"]:
        typer.echo(f"scorecards #{data['from']} and #{data['to']}: nothing moved")
        return
    table = Table(title=f"Scorecard #{data['from']} → #{data['to']}")
    for column in ("What", "Before", "After", "Why"):
        table.add_column(column, overflow="fold")
    for c in data["changes"]:
        table.add_row(Text(c["what"]), Text(c["before"]), Text(c["after"]), Text(c["why"]))
    _console().print(table)


def judge(
    model: ModelRef,
    by: By,
    rationale: Rationale,
    category: Annotated[str | None, typer.Option(help="The risk category id.")] = None,
    stage: Annotated[Stage | None, typer.Option(help="pre or post mitigation.")] = None,
    level: Annotated[str | None, typer.Option(help="The level you judge.")] = None,
    indicator: Annotated[str | None, typer.Option(help="Judge one indicator only.")] = None,
    override: Annotated[
        bool,
        typer.Option(
            "--override", help="Allow lowering a computed level (flagged wherever it is shown)."
        ),
    ] = False,
    kind: Annotated[
        Kind,
        typer.Option(
            help="level, or safeguards (judged sufficient up to LEVEL, for v2-style gates)."
        ),
    ] = Kind.level,
    post_equals_pre: Annotated[
        bool,
        typer.Option("--post-equals-pre", help="Set every post level to the latest pre level."),
    ] = False,
    corrects: Annotated[int | None, typer.Option(help="The judgment id this one corrects.")] = None,
    framework: FrameworkId = "preparedness-v1",
    framework_path: FrameworkPath = None,
    database: Database = None,
) -> None:
    """Record an expert judgment or a safety-group override, with who and why."""
    from scorecard.errors import ScorecardError

    if post_equals_pre:
        from scorecard.command import judge_post_equals_pre

        rows = judge_post_equals_pre(
            database,
            model,
            by,
            rationale,
            framework_id=framework,
            framework_path=framework_path or [],
        )
        typer.echo(
            f"recorded {len(rows)} judgments setting post = pre for {model}; "
            f"run `scorecard score {model}` to apply them"
        )
        return
    if category is None or stage is None or level is None:
        raise ScorecardError("judge needs --category, --stage and --level (or --post-equals-pre)")
    from scorecard.command import judge as run
    from scorecard.core.evidence import Judgment

    judgment = Judgment(
        category=category,
        stage=stage.value,
        level=level,
        by=by,
        rationale=rationale,
        indicator=indicator,
        override=override,
        kind=kind.value,
    )
    row = run(
        database,
        model,
        judgment,
        framework_id=framework,
        framework_path=framework_path or [],
        corrects=corrects,
    )
    typer.echo(f"recorded judgment #{row.id}; run `scorecard score {model}` to apply it")


def mitigate(
    model: ModelRef,
    category: Annotated[str, typer.Option(help="The risk category id.")],
    by: By,
    description: Annotated[str, typer.Option(help="What was done.")],
    framework: FrameworkId = "preparedness-v1",
    framework_path: FrameworkPath = None,
    database: Database = None,
) -> None:
    """Record a mitigation applied for a risk category."""
    from scorecard.command import mitigate as run

    row = run(
        database,
        model,
        category,
        by,
        description,
        framework_id=framework,
        framework_path=framework_path or [],
    )
    typer.echo(f"recorded mitigation #{row.id} for {category}")


def decide(
    model: ModelRef,
    decision: Annotated[DecisionChoice, typer.Option(help="What is decided.")],
    role: Annotated[
        Role,
        typer.Option(help="sag (recommends), leadership (decides), board (reviews, may reverse)."),
    ],
    by: By,
    rationale: Rationale,
    database: Database = None,
) -> None:
    """Record a decision on the latest scorecard; the framework's gates are enforced."""
    from scorecard.command import decide as run

    row = run(database, model, decision.value, role.value, by, rationale)
    reverses = f", reversing decision #{row.reverses_id}" if row.reverses_id else ""
    typer.echo(
        f"recorded {role.value} decision #{row.id}: {decision.value} on scorecard "
        f"#{row.scorecard_id}{reverses}"
    )


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None, typer.Option(help="The head hash recorded earlier; catches a truncated chain.")
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Walk the hash chain and every record it covers; exit 1 on the first broken link."""
    from scorecard.command import audit_verify as run

    report = run(database, expect_head)
    if as_json:
        _echo_json(
            {
                "ok": report.ok,
                "events": report.events,
                "records": report.records,
                "head": report.head,
                "problems": report.problems,
            }
        )
    elif report.ok:
        typer.echo(
            f"audit chain intact: {report.events} events, {report.records} records, "
            f"head {report.head}"
        )
    else:
        _err(f"audit chain BROKEN: {report.problems[0]}")
        for problem in report.problems[1:]:
            _err(f"  also: {problem}")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(
    model: Annotated[
        str | None, typer.Argument(metavar="[MODEL]", help="Only this model's events.")
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show the audit events, oldest first."""
    from rich.table import Table
    from rich.text import Text

    from scorecard.command import audit_log as run

    rows = run(database, model)
    if as_json:
        _echo_json(rows)
        return
    table = Table(title="Audit log")
    for column in ("#", "When (UTC)", "Action", "Actor", "OS user", "Summary"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["at"][:19],
            r["action"],
            Text(r["actor"]),
            Text(r["os_user"]),
            Text(r["summary"]),
        )
    _console().print(table)


def render(
    model: ModelRef,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the card.", dir_okay=False)
    ],
    fmt: Annotated[
        CardFormat,
        typer.Option(
            "--format",
            help="pdf (PDF/A-3b with the record attached), html (standalone) or md (summary).",
        ),
    ] = CardFormat.pdf,
    signer: Annotated[
        list[str] | None,
        typer.Option(
            "--signer",
            help="ROLE=NAME of a person who will sign, listed in the "
            "card's signature block (repeatable, in signing order).",
        ),
    ] = None,
    key: Annotated[
        Path | None, typer.Option(help="Sign the PDF with this key right away.", dir_okay=False)
    ] = None,
    cert: Annotated[
        Path | None, typer.Option(help="The certificate that goes with --key.", dir_okay=False)
    ] = None,
    role: Annotated[str | None, typer.Option(help="The signer's role, with --key.")] = None,
    name: Annotated[str | None, typer.Option(help="The signer's name, with --key.")] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option(
            "--passphrase-file",
            help="The key's passphrase (first line), with --key.",
            dir_okay=False,
        ),
    ] = None,
    database: Database = None,
) -> None:
    """Render the model's latest scorecard as a system card (PDF/A-3b, HTML or Markdown).

    With --key and --cert the PDF is signed right after rendering.
    """
    from scorecard.command import render as run
    from scorecard.errors import ScorecardError

    signatories = []
    for item in signer or []:
        who_role, sep, who = item.partition("=")
        if not sep or not who_role.strip() or not who.strip():
            raise ScorecardError(f"--signer {item!r}: expected ROLE=NAME")
        signatories.append((who_role.strip(), who.strip()))
    signing = key is not None or cert is not None
    if signing and (key is None or cert is None or not role or not name or fmt != "pdf"):
        raise ScorecardError(
            "signing while rendering needs a PDF and --key, --cert, --role and --name"
        )
    passphrase = None
    if signing:
        from scorecard.sign.keys import read_passphrase

        passphrase = read_passphrase(passphrase_file, prompt=True)
        if not signatories:
            signatories = [(role or "", name or "")]
    with _console_err().status("rendering the system card"):
        card = run(database, model, output, fmt.value, signatories)
    if signing:
        from scorecard.command import sign

        assert key is not None
        assert cert is not None
        assert role
        assert name
        assert passphrase
        record = sign(
            database,
            output,
            output,
            key=key,
            cert=cert,
            passphrase=passphrase,
            role=role,
            name=name,
        )
        typer.echo(f"signed as {role} ({name}), field {record.field_name}")
    typer.echo(
        f"wrote {output} ({fmt.value}) for {card['model']['ref']}, scorecard "
        f"#{card['scorecard']['id']}"
    )
