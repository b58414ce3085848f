"""`scorecard withdraw`, `evidence` showing what is withdrawn, `judge` refusing a lowering and
`judge --file`, through the CLI with their exit codes, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.commands import audit_verify
from scorecard.resources import example_dir
from tests.conftest import S

MODEL = "Kestrel-2"
PRE = example_dir() / "evidence-pre.csv"
PRE_SHA = hashlib.sha256(PRE.read_bytes()).hexdigest()


def run(runner: CliRunner, url: str, *args: str) -> Any:
    return runner.invoke(app, [*args, "--database", url])


def error(result: Any, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def withdraw(runner: CliRunner, url: str, *args: str) -> Any:
    return run(runner, url, "withdraw", MODEL, "--by", "Ann", "--reason", "typo", *args)


def judge(runner: CliRunner, url: str, *args: str) -> Any:
    return run(runner, url, "judge", MODEL, *args)


def test_withdraw_a_row_then_see_it_withdrawn(runner: CliRunner, kestrel: str) -> None:
    done = withdraw(runner, kestrel, "--row", "3")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [
        "withdrew evidence row #3 (pre ctf_professional/accuracy = 0.64) of Kestrel-2 "
        "(withdrawal #1)",
        "run `scorecard score Kestrel-2` to re-score without it",
    ]
    twice = error(withdraw(runner, kestrel, "--row", "3"), 1)
    assert "was already withdrawn on " in twice and twice.endswith("by Ann (typo): nothing to do")

    listed = run(runner, kestrel, "evidence", MODEL, "--stage", "pre")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t")[:2] == ["ID", "Stage"]
    row = next(line.split("\t") for line in lines if line.startswith("3\t"))
    assert row[6] == f"evidence-pre.csv (csv, {PRE_SHA[:8]})"
    assert row[7].startswith("WITHDRAWN ") and row[7].endswith(" by Ann: typo")
    assert "1 withdrawn rows are shown but not scored" in listed.stdout
    assert "No evidence yet (pre): cybersecurity/ctf_professional" in listed.stdout
    as_json = json.loads(run(runner, kestrel, "evidence", MODEL, "--json").stdout)
    shown = {r["id"]: r["withdrawn"] for r in as_json["evidence"]}
    assert shown[3]["by"] == "Ann" and shown[3]["reason"] == "typo" and shown[4] is None
    assert audit_verify(S(kestrel)).ok


def test_withdraw_a_source_as_json_and_ingest_it_again(runner: CliRunner, kestrel: str) -> None:
    done = withdraw(runner, kestrel, "--source", PRE_SHA[:8], "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert {k: data[k] for k in ("id", "model", "entity", "entity_id", "by", "reason")} == {
        "id": 1,
        "model": MODEL,
        "entity": "source",
        "entity_id": 1,
        "by": "Ann",
        "reason": "typo",
    }
    assert data["what"] == "source #1 (evidence-pre.csv, pre) with its 18 evidence rows"
    assert data["restored"] is None and data["created_at"]
    again = run(runner, kestrel, "ingest", str(PRE), "-m", MODEL, "-s", "pre")
    assert again.exit_code == 0
    assert f"skipped {PRE}: source #1 holds this file and was withdrawn on " in again.stdout
    assert "0 of 1 files stored" in again.stdout
    scored = json.loads(run(runner, kestrel, "score", MODEL, "--json").stdout)
    assert scored["overall"]["pre"] is None or scored["overall"]["pre"] == "not_assessed"


def test_withdraw_refusals_and_their_exit_codes(runner: CliRunner, kestrel: str) -> None:
    assert "exactly one of --source, --row or --judgment" in error(withdraw(runner, kestrel), 2)
    both = withdraw(runner, kestrel, "--row", "1", "--judgment", "1")
    assert "exactly one of --source, --row or --judgment" in error(both, 2)
    assert "--stage do(es) not apply without --source" in error(
        withdraw(runner, kestrel, "--row", "1", "--stage", "pre"), 2
    )
    assert error(withdraw(runner, kestrel, "--source", "ac85"), 2) == (
        "error: a source is named by at least 8 hex digits of its sha256, not 'ac85'"
    )
    assert error(withdraw(runner, kestrel, "--source", "0" * 8), 4) == (
        "error: Kestrel-2 has no source whose sha256 starts with 00000000"
    )
    assert error(withdraw(runner, kestrel, "--row", "999"), 4) == (
        "error: Kestrel-2 has no evidence row #999"
    )
    assert error(withdraw(runner, kestrel, "--judgment", "1"), 4) == (
        "error: Kestrel-2 has no judgment #1"
    )
    no_reason = run(runner, kestrel, "withdraw", MODEL, "--row", "1", "--by", "Ann")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    blank = run(runner, kestrel, "withdraw", MODEL, "--row", "2", "--by", "Ann", "--reason", " ")
    assert error(blank, 2) == "error: a withdrawal needs a reason"
    assert audit_verify(S(kestrel)).ok


def test_withdraw_a_correction_restores_what_it_corrected(runner: CliRunner, kestrel: str) -> None:
    base = ["--category", "cbrn", "--stage", "pre", "--by", "Dr. Osei", "--rationale", "probing"]
    assert judge(runner, kestrel, *base, "--level", "high").exit_code == 0
    assert judge(runner, kestrel, *base, "--level", "critical", "--corrects", "1").exit_code == 0
    done = withdraw(runner, kestrel, "--judgment", "2")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[:2] == [
        "withdrew judgment #2 (cbrn pre critical by Dr. Osei) of Kestrel-2 (withdrawal #1)",
        "judgment #1, which it corrected, is in force again",
    ]


def test_judge_refuses_lowering_without_override(runner: CliRunner, kestrel: str) -> None:
    args = ["--category", "cybersecurity", "--stage", "pre", "--level", "low"]
    who = ["--by", "SAG chair", "--rationale", "the CTF set leaked"]
    assert error(judge(runner, kestrel, *args, *who), 1) == (
        "error: refused: low is below the level high computed for cybersecurity (pre); to lower "
        "it, record an override (--override) with its rationale"
    )
    overridden = judge(runner, kestrel, *args, *who, "--override")
    assert overridden.exit_code == 0 and "recorded judgment #1" in overridden.stdout
    assert error(judge(runner, kestrel, *args, "--by", "SAG chair"), 2) == (
        "error: judge needs --rationale (or --file)"
    )


def test_judge_file_records_all_or_nothing(runner: CliRunner, kestrel: str, tmp_path: Path) -> None:
    good = tmp_path / "judgments.csv"
    good.write_text(
        "category,stage,level,by,rationale,indicator\n"
        "cbrn,pre,high,Dr. Osei,wet-lab uplift,expert_uplift\n"
        "persuasion,post,high,Red team lead,live study,\n"
    )
    done = judge(runner, kestrel, "--file", str(good), "--by", "Safety lead")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == (
        f"recorded 2 judgments (#1–#2) from {good} for Kestrel-2; "
        "run `scorecard score Kestrel-2` to apply them"
    )
    lowering = tmp_path / "lowering.csv"
    lowering.write_text(
        "category,stage,level,by,rationale\n"
        "model_autonomy,pre,medium,A,r\n"
        "cbrn,pre,medium,A,r\n"  # below the high line 2 of the first file set
    )
    refused = error(judge(runner, kestrel, "--file", str(lowering)), 1)
    assert refused == (
        f"error: refused: {lowering}, line 3: medium is below the level high computed for cbrn "
        "(pre); to lower it, record an override (--override) with its rationale"
    )
    mixed = judge(runner, kestrel, "--file", str(good), "--level", "low", "--rationale", "x")
    assert error(mixed, 2) == (
        "error: --rationale, --level do(es) not apply with --file (each row of the file is one "
        "judgment)"
    )
    assert error(judge(runner, kestrel, "--file", str(tmp_path / "none.csv")), 1)
    history = json.loads(run(runner, kestrel, "audit", "log", MODEL, "--json").stdout)
    added = [e for e in history if e["action"] == "judgment.add"]
    assert len(added) == 2 and {e["actor"] for e in added} == {"Safety lead"}
    assert audit_verify(S(kestrel)).ok
