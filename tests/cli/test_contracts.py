"""What users and scripts rely on: options that apply or are refused, one reader entry point,
greppable output, readable help, reads that never create a database, documented exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.commands import history
from scorecard.errors import EXIT_CODES
from scorecard.resources import example_dir
from tests.conftest import S

FIXTURES = Path(__file__).parents[1] / "fixtures"
ROOT = Path(__file__).parents[2]


def one_error_line(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def test_score_of_a_stored_model_refuses_the_options_for_files(
    runner: CliRunner, kestrel: str
) -> None:
    before = len(history(S(kestrel), "Kestrel-2"))
    result = runner.invoke(
        app,
        [
            "score",
            "Kestrel-2",
            "--post-equals-pre",
            "--by",
            "X",
            "--rationale",
            "Y",
            "-j",
            str(example_dir() / "judgments.csv"),
            "--database",
            kestrel,
        ],
    )
    assert result.exit_code == 2
    line = one_error_line(result)
    for option in ("--judgments", "--post-equals-pre", "--rationale"):
        assert option in line
    assert "scorecard judge" in line
    assert len(history(S(kestrel), "Kestrel-2")) == before  # nothing scored or stored


def test_score_of_files_refuses_the_options_for_a_database(runner: CliRunner) -> None:
    pre = str(example_dir() / "evidence-pre.csv")
    result = runner.invoke(app, ["score", "-e", pre, "--database", "sqlite:///x.db"])
    assert result.exit_code == 2 and "--database" in one_error_line(result)
    alone = runner.invoke(app, ["score", "-e", pre, "--rationale", "why"])
    assert alone.exit_code == 2 and "--rationale" in one_error_line(alone)


def test_judge_post_equals_pre_refuses_single_judgment_options(
    runner: CliRunner, kestrel: str
) -> None:
    args = ["judge", "Kestrel-2", "--post-equals-pre", "--by", "X", "--rationale", "Y"]
    result = runner.invoke(app, [*args, "--level", "low", "--database", kestrel])
    assert result.exit_code == 2 and "--level" in one_error_line(result)


def test_score_reads_every_format_ingest_reads(runner: CliRunner) -> None:
    log = str(FIXTURES / "inspect" / "wmdp_bio.eval")
    scored = runner.invoke(app, ["score", "-e", log, "--stage", "pre", "--json"])
    assert scored.exit_code == 0, scored.output
    data = json.loads(scored.stdout)
    cbrn = next(c for c in data["categories"] if c["id"] == "cbrn")
    wmdp = next(i for i in cbrn["stages"]["pre"]["indicators"] if i["id"] == "wmdp_bio")
    assert wmdp["value"] is not None  # the log's accuracy reached its indicator
    no_stage = runner.invoke(app, ["score", "-e", log])
    assert no_stage.exit_code == 1
    assert "does not say which stage" in one_error_line(no_stage)


def test_tables_on_a_pipe_never_break_identifiers(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "30"}
    out = subprocess.run(
        [sys.executable, "-m", "scorecard", "frameworks", "list"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    ).stdout
    found = [line for line in out.splitlines() if "preparedness-v1" in line]
    assert len(found) == 1
    columns = found[0].split("\t")
    assert columns[0] == "preparedness-v1"
    assert columns[-1].endswith("preparedness-v1")  # the path, whole
    assert "─" not in out and "\x1b" not in out  # plain text, no box drawing, no colour


def test_tables_on_a_narrow_terminal_never_break_identifiers(tmp_path: Path) -> None:
    """Under a real pseudo-terminal 50 columns wide, ids and paths still print on one line."""
    command = f"stty cols 50; {sys.executable} -m scorecard frameworks list"
    out = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert "preparedness-v1" in out and "preparedness-v2" in out
    assert re.search(r"categories/preparedness-v1", out)  # the path is not folded


def _commands() -> list[tuple[str, Any]]:
    root = get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, group: Any) -> None:
        for name, command in group.commands.items():
            path = f"{prefix} {name}".strip()
            if hasattr(command, "commands"):
                walk(path, command)
            else:
                found.append((path, command))

    walk("", root)
    return found


@pytest.mark.parametrize("path", [p for p, _ in _commands()])
def test_help_shows_what_a_user_types(runner: CliRunner, path: str) -> None:
    result = runner.invoke(app, [*path.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    usage_and_options = result.output
    # Python types as metavars (<list[Path]>, <str>, PATH, TEXT for a model...) are not help.
    assert not re.search(r"<\w+(\[[\w\[\], ]+\])?>", usage_and_options), usage_and_options
    assert "list[" not in usage_and_options
    command = dict(_commands())[path]
    assert (command.help or "").strip(), f"`scorecard {path}` has no help text"
    for parameter in command.params:
        if getattr(parameter, "hidden", False) or parameter.name == "help":
            continue
        assert getattr(parameter, "help", None) or parameter.param_type_name == "argument", (
            f"`scorecard {path}` option {parameter.name} has no help"
        )


def test_root_help_lists_the_exit_codes(runner: CliRunner) -> None:
    text = " ".join(runner.invoke(app, ["--help"]).output.split())
    for code, _ in EXIT_CODES:
        assert re.search(rf"\b{code} [a-z]", text), code
    readme = (ROOT / "README.md").read_text()
    for code, meaning in EXIT_CODES:
        assert f"| {code} | {meaning} |" in readme


READS = [
    ["show", "M"],
    ["history", "M"],
    ["diff", "M"],
    ["evidence", "M"],
    ["models", "list"],
    ["audit", "verify"],
    ["audit", "log"],
    ["db", "current"],
    ["models", "add", "M"],  # a write that is not `init` does not create one either
]


@pytest.mark.parametrize("args", READS, ids=[" ".join(a) for a in READS])
def test_commands_other_than_init_never_create_a_database(
    runner: CliRunner, tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCORECARD_DATABASE_URL", raising=False)
    result = runner.invoke(app, args)
    assert result.exit_code == 4, result.output
    line = one_error_line(result)
    assert "no database at scorecard.db" in line and "scorecard init" in line
    assert list(tmp_path.iterdir()) == []


def test_exit_codes_by_kind(runner: CliRunner, kestrel: str) -> None:
    def code(*args: str) -> int:
        return runner.invoke(app, [*args, "--database", kestrel]).exit_code

    assert code("show", "Nope") == 4  # not found
    assert code("show", "Kestrel-2") == 4  # no scorecard yet
    assert code("ingest", str(example_dir()), "-m", "Kestrel-2", "-s", "middle") == 2  # usage
    assert code("score", "Kestrel-2", "--check", "deploy") == 0
    cautious = ["judge", "Kestrel-2", "--post-equals-pre", "--by", "SAG", "--rationale", "why"]
    assert code(*cautious) == 0  # post = pre: cybersecurity post is now high
    assert code("score", "Kestrel-2", "--check", "deploy") == 3  # the gate is closed
    decide = ["decide", "Kestrel-2", "--decision", "deploy", "--role", "sag", "--by", "A"]
    assert code(*decide, "--rationale", "ship") == 3
    assert code(*decide[:-4], "--role", "chair", "--by", "A", "--rationale", "x") == 2
    wrong_schema = runner.invoke(app, ["show", "Kestrel-2", "--database", "mysql://x@y/z"])
    assert wrong_schema.exit_code == 5


def test_stored_text_cannot_drive_the_terminal(
    runner: CliRunner, kestrel: str, tmp_path: Path
) -> None:
    """Names and rationales with escape sequences print as visible escapes, everywhere."""
    evil = "Mallory\x1b[2J\x1b[31m\x07\r"
    judgments = tmp_path / "j.csv"
    in_csv = evil.rstrip("\r")  # a bare carriage return ends a CSV record
    judgments.write_text(f"category,stage,level,by,rationale\ncbrn,pre,high,{in_csv},x\n")
    outputs = [
        runner.invoke(
            app, ["score", "-e", str(example_dir() / "evidence-pre.csv"), "-j", str(judgments)]
        ),
    ]
    db = ["--database", kestrel]
    args = ["judge", "Kestrel-2", "--category", "cbrn", "--stage", "pre", "--level", "high"]
    assert runner.invoke(app, [*args, "--by", evil, "--rationale", evil, *db]).exit_code == 0
    assert runner.invoke(app, ["models", "add", evil, "--description", evil, *db]).exit_code == 0
    assert runner.invoke(app, ["score", "Kestrel-2", *db]).exit_code == 0
    for command in (
        ["show", "Kestrel-2"],
        ["history", "Kestrel-2"],
        ["models", "list"],
        ["audit", "log"],
    ):
        outputs.append(runner.invoke(app, [*command, *db]))
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output, result.output
    shown = [r.output for r in outputs if "Mallory" in r.output]
    assert len(shown) >= 4 and all("Mallory\\x1b[2J" in text for text in shown)


def test_a_title_with_rich_markup_prints_as_text_on_a_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "x[/b]"  # the folder "x[" holding "b]": a rich closing tag
    folder.mkdir(parents=True)
    (folder / "card.pdf").write_bytes(b"%PDF-1.7\nnot a card")
    command = f"{sys.executable} -m scorecard verify 'x[/b]/card.pdf'"
    done = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert "Traceback" not in done.stdout and "MarkupError" not in done.stdout
    assert "x[/b]/card.pdf" in done.stdout and "NOT verified" in done.stdout
