"""Ingesting real Inspect and lm-eval logs through the CLI, and listing what they feed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scorecard.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures"


MOCK = ("--accept-model", "mockllm/model")
"""The fixture logs were made with Inspect's mock model."""


def invoke(runner: CliRunner, url: str, *args: str) -> Any:
    return runner.invoke(app, [*args, "--database", url])


def logs_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copyfile(FIXTURES / name, folder / Path(name).name)
    return folder


def test_ingest_a_log_directory_and_list_what_feeds_what(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    invoke(runner, db, "models", "add", "Aster")
    folder = logs_folder(
        tmp_path,
        "inspect/wmdp_bio.eval",
        "inspect/two_scorers_3_epochs.eval",
        "lmeval/results_wmdp_dummy.json",
    )
    (folder / "logs.json").write_text("{}")  # Inspect's listing file: not evidence
    result = invoke(runner, db, "ingest", str(folder), "-m", "Aster", "-s", "pre", *MOCK, "--json")
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert sorted((r["format"], r["rows"]) for r in stored) == [
        ("inspect-eval", 3),
        ("inspect-eval", 5),
        ("lm-eval", 4),
    ]
    listing = json.loads(invoke(runner, db, "evidence", "Aster", "--json").stdout)
    feeds = {(r["task"], r["metric"]): r["indicators"] for r in listing["evidence"]}
    assert feeds[("wmdp_bio", "accuracy")] == ["cbrn/wmdp_bio"]
    assert feeds[("wmdp_bio", "acc")] == ["cbrn/wmdp_bio"]  # lm-eval's name, via the alias
    assert feeds[("ctf_professional", "accuracy")] == ["cybersecurity/ctf_professional"]
    assert feeds[("ctf_professional", "includes/accuracy")] == []
    assert "cybersecurity/ctf_professional" not in listing["missing"]["pre"]
    assert "persuasion/changemyview" in listing["missing"]["pre"]
    assert "persuasion/changemyview" in listing["missing"]["post"]
    assert "cbrn/expert_uplift" in listing["needs_judgment"]["pre"]
    card = json.loads(invoke(runner, db, "score", "Aster", "--json").stdout)
    cyber = next(c for c in card["categories"] if c["id"] == "cybersecurity")
    assert cyber["pre"]["level"] == "high"  # a 0.667 solve rate on professional CTFs
    human = invoke(runner, db, "evidence", "Aster", "--stage", "pre")
    assert human.exit_code == 0 and "No evidence yet (pre)" in human.output


def test_failed_run_aborts_the_batch_unless_allowed(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    invoke(runner, db, "models", "add", "Aster")
    folder = logs_folder(tmp_path, "inspect/wmdp_bio.eval", "inspect/failed_run.eval")
    refused = invoke(runner, db, "ingest", str(folder), "-m", "Aster", "-s", "pre", *MOCK)
    assert refused.exit_code == 1
    assert "failed_run.eval: the run's status is 'error'" in refused.stderr
    models = json.loads(invoke(runner, db, "models", "list", "--json").stdout)
    assert models[0]["evidence"] == 0  # nothing of the batch was stored
    allowed = invoke(
        runner, db, "ingest", str(folder), "-m", "Aster", "-s", "pre", "--allow-incomplete", *MOCK
    )
    assert allowed.exit_code == 0, allowed.output
    assert "incomplete run (status 'error'), stored and flagged" in allowed.stderr
    listing = json.loads(invoke(runner, db, "evidence", "Aster", "--json").stdout)
    assert all(r["complete"] for r in listing["evidence"])  # the failed run brought no rows


def test_symlink_out_of_the_folder_is_refused(runner: CliRunner, db: str, tmp_path: Path) -> None:
    invoke(runner, db, "models", "add", "Aster")
    folder = logs_folder(tmp_path, "inspect/wmdp_bio.eval")
    secret = tmp_path / "elsewhere.csv"
    secret.write_text("task,metric,value\nctf_professional,accuracy,0.9\n")
    (folder / "link.csv").symlink_to(secret)
    result = invoke(runner, db, "ingest", str(folder), "-m", "Aster", "-s", "pre", *MOCK)
    assert result.exit_code == 1
    assert "link.csv: symlink points outside" in result.stderr
    inside = folder / "inside.eval"
    inside.symlink_to(folder / "wmdp_bio.eval")
    (folder / "link.csv").unlink()
    ok = invoke(runner, db, "ingest", str(folder), "-m", "Aster", "-s", "pre", *MOCK)
    assert ok.exit_code == 0, ok.output


def test_format_can_be_forced(runner: CliRunner, db: str, tmp_path: Path) -> None:
    invoke(runner, db, "models", "add", "Aster")
    path = tmp_path / "results.data"
    shutil.copyfile(FIXTURES / "lmeval" / "results_wmdp_dummy.json", path)
    wrong = invoke(runner, db, "ingest", str(path), "-m", "Aster", "-s", "pre", "--format", "csv")
    assert wrong.exit_code == 1 and "results.data: line " in wrong.stderr  # read as CSV
    right = invoke(
        runner, db, "ingest", str(path), "-m", "Aster", "-s", "pre", "--format", "lm-eval"
    )
    assert right.exit_code == 0, right.output


def test_help_does_not_load_the_readers(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from scorecard.cli import app\n"
        "CliRunner().invoke(app, ['ingest', '--help'])\n"
        "print(sorted(m for m in ('zstandard', 'sqlalchemy', 'scorecard.readers.inspect_log', "
        "'scorecard.readers.detect') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
