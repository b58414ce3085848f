"""The record-keeping commands through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.resources import example_dir

PRE = example_dir() / "evidence-pre.csv"
POST = example_dir() / "evidence-post.csv"


def run(runner: CliRunner, url: str, *args: str) -> Any:
    return runner.invoke(app, [*args, "--database", url])


def ok_json(runner: CliRunner, url: str, *args: str) -> Any:
    result = run(runner, url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # --json prints nothing but JSON


def fails(runner: CliRunner, url: str, *args: str) -> str:
    result = run(runner, url, *args)
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_models_add_list_and_references(runner: CliRunner, db: str) -> None:
    assert run(runner, db, "models", "add", "Aster", "--version", "1").exit_code == 0
    assert run(runner, db, "models", "add", "Aster", "--version", "2").exit_code == 0
    assert "already exists" in fails(runner, db, "models", "add", "Aster", "--version", "1")
    listed = ok_json(runner, db, "models", "list")
    assert [m["ref"] for m in listed] == ["Aster@1", "Aster@2"]
    assert "is ambiguous: name a version (Aster@1, Aster@2)" in fails(runner, db, "show", "Aster")
    assert "no model 'Nope'" in fails(runner, db, "show", "Nope")


def test_ingest_walks_folders_and_reingest_is_a_no_op(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    run(runner, db, "models", "add", "Aster")
    folder = tmp_path / "logs" / "nested"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("task,metric,value\nctf_professional,accuracy,0.3\n")
    (folder / "b.jsonl").write_text('{"task": "cybench", "metric": "accuracy", "value": 0.2}\n')
    (folder / "notes.txt").write_text("ignored: not an evidence file")
    first = ok_json(runner, db, "ingest", str(tmp_path / "logs"), "-m", "Aster", "-s", "pre")
    assert [(Path(r["file"]).name, r["stored"], r["rows"]) for r in first] == [
        ("a.csv", True, 1),
        ("b.jsonl", True, 1),
    ]
    again = ok_json(runner, db, "ingest", str(folder / "a.csv"), "-m", "Aster", "-s", "pre")
    assert again[0]["stored"] is False and "already ingested" in again[0]["note"]
    # The same bytes for the other stage are new evidence.
    post = ok_json(runner, db, "ingest", str(folder / "a.csv"), "-m", "Aster", "-s", "post")
    assert post[0]["stored"] is True
    assert ok_json(runner, db, "models", "list")[0]["evidence"] == 3


def test_contradicting_stage_stores_nothing(runner: CliRunner, db: str, tmp_path: Path) -> None:
    run(runner, db, "models", "add", "Aster")
    good = tmp_path / "good.csv"
    good.write_text("task,metric,value\ncybench,accuracy,0.2\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("stage,task,metric,value\npost,cybench,accuracy,0.2\n")
    message = fails(runner, db, "ingest", str(good), str(bad), "-m", "Aster", "-s", "pre")
    assert "bad.csv: line 2: stage 'post' contradicts the stage given (pre)" in message
    assert ok_json(runner, db, "models", "list")[0]["evidence"] == 0


def test_score_show_history_diff(runner: CliRunner, kestrel: str) -> None:
    first = ok_json(runner, kestrel, "score", "Kestrel-2")
    assert first["id"] == 1 and len(first["hash"]) == 64
    assert (first["overall"]["pre"], first["overall"]["post"]) == ("high", "medium")
    run(
        runner,
        kestrel,
        "judge",
        "Kestrel-2",
        "--category",
        "persuasion",
        "--stage",
        "post",
        "--level",
        "high",
        "--by",
        "Red team lead",
        "--rationale",
        "Live study shows more",
    )
    second = ok_json(runner, kestrel, "score", "Kestrel-2")
    assert second["overall"]["post"] == "high" and second["eligibility"]["deploy"] is False
    shown = ok_json(runner, kestrel, "show", "Kestrel-2")
    assert shown["id"] == second["id"] and shown["is_latest"] is True
    assert shown["hash"] == second["hash"]
    older = ok_json(runner, kestrel, "show", "Kestrel-2", "--id", "1")
    assert older["is_latest"] is False
    history = ok_json(runner, kestrel, "history", "Kestrel-2")
    assert [h["id"] for h in history] == [1, 2]
    changes = ok_json(runner, kestrel, "diff", "Kestrel-2")["changes"]
    moved = {c["what"]: (c["before"], c["after"]) for c in changes}
    assert moved["persuasion (post)"] == ("medium", "high")
    assert moved["overall (post)"] == ("medium", "high")
    assert moved["deploy"] == ("True", "False")
    why = next(c["why"] for c in changes if c["what"] == "persuasion (post)")
    assert "Red team lead" in why
    human = run(runner, kestrel, "show", "Kestrel-2")
    assert human.exit_code == 0 and "Kestrel-2" in human.output


def test_override_is_flagged_and_corrections_supersede(runner: CliRunner, kestrel: str) -> None:
    result = run(
        runner,
        kestrel,
        "judge",
        "Kestrel-2",
        "--category",
        "cybersecurity",
        "--stage",
        "pre",
        "--level",
        "medium",
        "--override",
        "--by",
        "SAG chair",
        "--rationale",
        "CTF set leaked into training data",
    )
    assert result.exit_code == 0, result.output
    card = ok_json(runner, kestrel, "score", "Kestrel-2")
    cyber = next(c for c in card["categories"] if c["id"] == "cybersecurity")
    assert cyber["pre"]["level"] == "medium" and cyber["pre"]["overridden"] is True
    assert any(w["kind"] == "overridden" for w in card["warnings"])
    run(
        runner,
        kestrel,
        "judge",
        "Kestrel-2",
        "--category",
        "cybersecurity",
        "--stage",
        "pre",
        "--level",
        "high",
        "--corrects",
        "1",
        "--by",
        "SAG chair",
        "--rationale",
        "retracted",
    )
    card = ok_json(runner, kestrel, "score", "Kestrel-2")
    cyber = next(c for c in card["categories"] if c["id"] == "cybersecurity")
    assert cyber["pre"]["level"] == "high" and cyber["pre"]["overridden"] is False
    assert "no judgment #99" in fails(
        runner,
        kestrel,
        "judge",
        "Kestrel-2",
        "--category",
        "cbrn",
        "--stage",
        "pre",
        "--level",
        "low",
        "--corrects",
        "99",
        "--by",
        "x",
        "--rationale",
        "y",
    )


def test_bad_judgments_and_mitigations_are_refused(runner: CliRunner, kestrel: str) -> None:
    assert "unknown category 'bio'" in fails(
        runner,
        kestrel,
        "judge",
        "Kestrel-2",
        "--category",
        "bio",
        "--stage",
        "pre",
        "--level",
        "low",
        "--by",
        "x",
        "--rationale",
        "y",
    )
    assert "unknown level 'severe'" in fails(
        runner,
        kestrel,
        "judge",
        "Kestrel-2",
        "--category",
        "cbrn",
        "--stage",
        "pre",
        "--level",
        "severe",
        "--by",
        "x",
        "--rationale",
        "y",
    )
    assert "unknown category 'cyber'" in fails(
        runner,
        kestrel,
        "mitigate",
        "Kestrel-2",
        "--category",
        "cyber",
        "--by",
        "x",
        "--description",
        "y",
    )
    ok = run(
        runner,
        kestrel,
        "mitigate",
        "Kestrel-2",
        "--category",
        "cybersecurity",
        "--by",
        "Safety systems",
        "--description",
        "Refusal training on exploit development",
    )
    assert ok.exit_code == 0


def test_decisions_follow_the_gates_and_the_roles(runner: CliRunner, kestrel: str) -> None:
    def decide(decision: str, role: str) -> Any:
        return run(
            runner,
            kestrel,
            "decide",
            "Kestrel-2",
            "--decision",
            decision,
            "--role",
            role,
            "--by",
            f"{role} member",
            "--rationale",
            "written reasons",
        )

    assert "has no scorecard yet" in decide("deploy", "sag").stderr
    ok_json(runner, kestrel, "score", "Kestrel-2")
    leadership_first = decide("deploy", "leadership")
    assert leadership_first.exit_code == 3 and "no SAG recommendation" in leadership_first.stderr
    assert "has none yet" in decide("do-not-deploy", "board").stderr
    unattested = decide("deploy", "sag")  # pre-mitigation cybersecurity is high
    assert unattested.exit_code == 3 and "needs hardened security" in unattested.stderr
    attested = run(
        runner,
        kestrel,
        "attest",
        "Kestrel-2",
        "--gate",
        "security",
        "--by",
        "CISO",
        "--rationale",
        "Weights in the enclave",
    )
    assert attested.exit_code == 0, attested.output
    assert decide("deploy", "sag").exit_code == 0
    assert decide("deploy", "leadership").exit_code == 0
    board = decide("do-not-deploy", "board")
    assert board.exit_code == 0 and "reversing decision #2" in board.output
    shown = ok_json(runner, kestrel, "show", "Kestrel-2")
    assert [(d["role"], d["decision"], d["reverses_id"]) for d in shown["decisions"]] == [
        ("sag", "deploy", None),
        ("leadership", "deploy", None),
        ("board", "do-not-deploy", 2),
    ]
    # New judgments make the scorecard stale: no decision on it until it is rescored.
    run(
        runner,
        kestrel,
        "judge",
        "Kestrel-2",
        "--post-equals-pre",
        "--by",
        "SAG chair",
        "--rationale",
        "We do not credit the mitigations yet",
    )
    assert "is out of date" in decide("deploy", "sag").stderr
    card = ok_json(runner, kestrel, "score", "Kestrel-2")
    assert card["overall"]["post"] == "high"
    refused = decide("deploy", "sag")
    assert refused.exit_code == 3  # the gate is closed
    assert "refused: deploy is not allowed" in refused.stderr
    assert "Post-mitigation level high is above medium" in refused.stderr
    assert decide("continue-development", "sag").exit_code == 0


def test_unassessed_scorecard_cannot_be_deployed(runner: CliRunner, db: str) -> None:
    run(runner, db, "models", "add", "Aster")
    run(runner, db, "ingest", str(PRE), "-m", "Aster", "-s", "pre")
    card = ok_json(runner, db, "score", "Aster")
    assert card["overall"]["post"] == "not_assessed"
    message = fails(
        runner,
        db,
        "decide",
        "Aster",
        "--decision",
        "deploy",
        "--role",
        "sag",
        "--by",
        "x",
        "--rationale",
        "y",
    )
    assert "fails closed" in message


def test_v2_deploys_at_high_only_with_safeguards(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    run(runner, db, "models", "add", "Aster")
    path = tmp_path / "caps.csv"
    path.write_text(
        "task,metric,value\nlab_bench_protocolqa,accuracy,0.83\n"
        "ctf_professional,accuracy,0.2\nmle_bench,accuracy,0.1\n"
        "tacit_knowledge,accuracy,0.3\nre_interview_coding,accuracy,0.3\n"
    )
    run(runner, db, "ingest", str(path), "-m", "Aster", "-s", "pre")
    v2 = ("--framework", "preparedness-v2")
    assert ok_json(runner, db, "score", "Aster", *v2)["eligibility"]["deploy"] is False
    judged = run(
        runner,
        db,
        "judge",
        "Aster",
        "--kind",
        "safeguards",
        "--category",
        "biological_chemical",
        "--stage",
        "pre",
        "--level",
        "high",
        "--by",
        "SAG",
        "--rationale",
        "Classifier and account-level enforcement tested",
        *v2,
    )
    assert judged.exit_code == 0, judged.output
    assert ok_json(runner, db, "score", "Aster", *v2)["eligibility"]["deploy"] is True


def test_audit_log_and_verify(runner: CliRunner, kestrel: str) -> None:
    ok_json(runner, kestrel, "score", "Kestrel-2", "--by", "Eval lead")
    events = ok_json(runner, kestrel, "audit", "log", "Kestrel-2")
    assert [e["action"] for e in events] == [
        "model.add",
        "evidence.ingest",
        "evidence.ingest",
        "scorecard.compute",
    ]
    assert events[-1]["actor"] == "Eval lead" and events[-1]["os_user"]
    everything = ok_json(runner, kestrel, "audit", "log")
    assert "framework.snapshot" in [e["action"] for e in everything]
    verified = ok_json(runner, kestrel, "audit", "verify")
    assert verified["ok"] is True and verified["events"] == len(everything)
    head = verified["head"]
    assert run(runner, kestrel, "audit", "verify", "--expect-head", head).exit_code == 0
    wrong = run(runner, kestrel, "audit", "verify", "--expect-head", "f" * 64)
    assert wrong.exit_code == 1 and "BROKEN" in wrong.stderr


def test_database_location_defaults(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCORECARD_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert (tmp_path / "scorecard.db").is_file()
    other = tmp_path / "other.db"
    monkeypatch.setenv("SCORECARD_DATABASE_URL", f"sqlite:///{other}")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert other.is_file()
    result = runner.invoke(app, ["models", "list", "--database", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 4 and "run `scorecard init`" in result.stderr
    assert not (tmp_path / "x.db").exists()  # a read never creates a database
