"""The decided scorecard through the CLI (issue 10), on SQLite and PostgreSQL: what `score`,
`show`, `history`, `diff`, `decide`, `attest` and `render` print and how they exit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scorecard.cli import app

MODEL = "Kestrel-2"
V2 = ("--framework", "preparedness-v2")


def run(runner: CliRunner, url: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [*args, "--database", url], env=env)


def ok(runner: CliRunner, url: str, *args: str, env: dict[str, str] | None = None) -> Any:
    result = run(runner, url, *args, env=env)
    assert result.exit_code == 0, result.output
    return result


def ok_json(runner: CliRunner, url: str, *args: str) -> Any:
    return json.loads(ok(runner, url, *args, "--json").stdout)


def error(runner: CliRunner, url: str, code: int, *args: str) -> str:
    result = run(runner, url, *args)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def decide(role: str, decision: str, *extra: str) -> list[str]:
    return [
        "decide",
        MODEL,
        "--decision",
        decision,
        "--role",
        role,
        "--by",
        f"{role} member",
        "--rationale",
        f"{role} reasons",
        *extra,
    ]


ATTEST = ["attest", MODEL, "--gate", "security", "--by", "CISO", "--rationale", "In the enclave"]
JUDGE = [
    *("judge", MODEL, "--category", "persuasion", "--stage", "post", "--level", "high"),
    *("--by", "Red team lead", "--rationale", "Live study shows more"),
]


def test_score_says_when_nothing_changed(runner: CliRunner, kestrel: str) -> None:
    first = ok(runner, kestrel, "score", MODEL)
    assert f"{MODEL} — scorecard #1 stored" in first.stdout
    again = ok(runner, kestrel, "score", MODEL)
    assert f"{MODEL} — unchanged since scorecard #1: nothing stored" in again.stdout
    data = ok_json(runner, kestrel, "score", MODEL)
    assert (data["id"], data["stored"], data["notes"]) == (1, False, [])
    assert ok_json(runner, kestrel, "score", MODEL, "--margin", "0.3")["stored"] is True
    assert [h["id"] for h in ok_json(runner, kestrel, "history", MODEL)] == [1, 2]


def test_framework_series(runner: CliRunner, kestrel: str) -> None:
    ok(runner, kestrel, "score", MODEL)
    implicit = ok(runner, kestrel, "score", MODEL, env={"SCORECARD_FRAMEWORK": "preparedness-v2"})
    assert implicit.stderr.strip() == (
        f"note: {MODEL} keeps the framework it was first scored under, preparedness-v1 "
        "(scorecard #1), not preparedness-v2; to score it under preparedness-v2 as a separate "
        "series, pass --framework preparedness-v2"
    )
    assert "unchanged since scorecard #1: nothing stored" in implicit.stdout
    separate = ok(runner, kestrel, "score", MODEL, *V2)
    assert separate.stderr.strip() == (
        f"note: preparedness-v2 is a separate series for {MODEL}, whose decisions stay on its "
        "preparedness-v1 series; show, decide and render take --framework preparedness-v2 for it"
    )
    assert f"{MODEL} — scorecard #2 stored" in separate.stdout

    shown = ok(runner, kestrel, "show", MODEL)
    assert f"{MODEL} — scorecard #1 (preparedness-v1) computed by" in shown.stdout
    assert (
        f"also scored under preparedness-v2: `scorecard show {MODEL} --framework preparedness-v2`"
        in shown.stdout
    )
    assert ok_json(runner, kestrel, "show", MODEL, *V2)["id"] == 2
    listed = ok(runner, kestrel, "history", MODEL)
    assert "preparedness-v1" in listed.stdout and "\n2\t" not in listed.stdout
    assert f"`scorecard history {MODEL} --framework preparedness-v2`" in listed.stdout
    assert [h["framework"] for h in ok_json(runner, kestrel, "history", MODEL, *V2)] == [
        "preparedness-v2"
    ]
    wrong = error(runner, kestrel, 2, "show", MODEL, "--scorecard", "2", "-f", "preparedness-v1")
    assert wrong == (
        f"error: scorecard #2 of {MODEL} is in the preparedness-v2 series, not preparedness-v1"
    )
    assert "a diff needs two" in error(runner, kestrel, 4, "diff", MODEL)


def test_decide_pinned_attest_flags_and_show(runner: CliRunner, kestrel: str) -> None:
    ok(runner, kestrel, "score", MODEL)
    refused = error(runner, kestrel, 3, *decide("sag", "deploy"))
    assert refused == (
        "error: refused: deploy needs hardened security (pre-mitigation cybersecurity is high); "
        f"record it with `scorecard attest {MODEL} --gate security --by … --rationale …`"
    )
    assert "unknown gate 'vault' (expected security)" in error(
        runner, kestrel, 2, "attest", MODEL, "--gate", "vault", "--by", "X", "--rationale", "Y"
    )
    assert "--by is required" in error(
        runner, kestrel, 2, "attest", MODEL, "--gate", "security", "--rationale", "Y"
    )
    attested = ok(runner, kestrel, *ATTEST)
    assert (
        attested.stdout.strip() == f"recorded security attestation #1 for {MODEL} on scorecard #1"
    )

    assert ok(runner, kestrel, *decide("sag", "deploy", "--scorecard", "1")).stdout.strip() == (
        "recorded sag decision #1: deploy on scorecard #1"
    )
    disagree = ok(runner, kestrel, *decide("sag", "do-not-deploy"))
    assert disagree.stdout.splitlines()[-1] == (
        "flag (sag disagreement): SAG recommendation #2 (do-not-deploy) disagrees with SAG "
        "recommendation #1 (deploy) on the same scorecard"
    )
    overrule = ok(runner, kestrel, *decide("leadership", "deploy"))
    assert overrule.stdout.splitlines() == [
        "recorded leadership decision #3: deploy on scorecard #1",
        "flag (overrule): leadership decision #3 (deploy) overrules SAG recommendation #2 "
        "(do-not-deploy): leadership reasons",
    ]
    board = ok(runner, kestrel, *decide("board", "do-not-deploy"))
    assert board.stdout.splitlines() == [
        "recorded board decision #4: do-not-deploy on scorecard #1, reversing decision #3",
        "flag (board reversal): board decision #4 (do-not-deploy) reverses leadership decision "
        "#3 (deploy): board reasons",
    ]
    shown = ok(runner, kestrel, "show", MODEL).stdout
    assert "Flag (overrule): leadership decision #3 (deploy) overrules SAG" in shown
    assert "Attestation #1 (security) by CISO on scorecard #1: In the enclave" in shown
    data = ok_json(runner, kestrel, "show", MODEL)
    assert [f["kind"] for f in data["flags"]] == ["sag_disagreement", "overrule", "board_reversal"]

    ok(runner, kestrel, *JUDGE)
    stale = error(runner, kestrel, 1, *decide("sag", "do-not-deploy", "--scorecard", "1"))
    assert stale == (
        f"error: scorecard #1 of {MODEL} is out of date: 1 judgment added since; run "
        f"`scorecard score {MODEL}` first"
    )
    ok(runner, kestrel, "score", MODEL)
    old = error(runner, kestrel, 1, *decide("sag", "do-not-deploy", "--scorecard", "1"))
    assert old.startswith(
        f"error: refused: scorecard #1 of {MODEL} is not the latest of its preparedness-v1 "
        "series: #2 is; changed since #1: persuasion (post) medium -> high ("
    )
    assert "not found" not in old
    error(runner, kestrel, 4, *decide("sag", "do-not-deploy", "--scorecard", "7"))

    shown = ok(runner, kestrel, "show", MODEL).stdout
    assert (
        "Decisions were made on scorecard #1; changed since: persuasion (post) medium -> high"
        in (shown)
    )
    assert "overall (post) medium -> high (highest tracked category)" in shown
    earlier = ok(runner, kestrel, "show", MODEL, "--scorecard", "1").stdout
    assert f"{MODEL} — scorecard #1 (preparedness-v1) computed by" in earlier
    assert "(not the latest: #2 is)" in earlier
    since = ok_json(runner, kestrel, "diff", MODEL, "--scorecard", "1")
    assert (since["from"], since["to"]) == (1, 2)
    assert ok_json(runner, kestrel, "diff", MODEL, "1", "2") == since
    assert ok(runner, kestrel, "diff", MODEL, "--scorecard", "2").stdout.strip() == (
        "scorecards #2 and #2: nothing moved"
    )


def test_render_an_earlier_scorecard(runner: CliRunner, kestrel: str, tmp_path: Path) -> None:
    ok(runner, kestrel, "score", MODEL)
    ok(runner, kestrel, *decide("sag", "do-not-deploy"))
    ok(runner, kestrel, *JUDGE)
    ok(runner, kestrel, "score", MODEL)
    out = tmp_path / "card.md"
    rendered = ok(
        runner, kestrel, "render", MODEL, "--scorecard", "1", "-o", str(out), "--format", "md"
    )
    assert rendered.stdout.strip() == (
        f"wrote {out} (md) for {MODEL}, scorecard #1 (not the latest: #2 is)"
    )
    assert out.is_file()
    latest = ok(runner, kestrel, "render", MODEL, "-o", str(out), "--format", "md")
    assert latest.stdout.strip() == f"wrote {out} (md) for {MODEL}, scorecard #2"
    wrong = error(
        runner,
        kestrel,
        2,
        "render",
        MODEL,
        "-o",
        str(out),
        "--format",
        "md",
        *V2,
        "--scorecard",
        "1",
    )
    assert "is in the preparedness-v1 series, not preparedness-v2" in wrong
    assert "has no scorecard under preparedness-v2" in error(
        runner, kestrel, 4, "render", MODEL, "-o", str(out), "--format", "md", *V2
    )


def test_attest_help_lists_the_gates(runner: CliRunner) -> None:
    result = runner.invoke(app, ["attest", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "security (hardened security around the model's weights is in place" in text
    decide_help = " ".join(
        runner.invoke(app, ["decide", "--help"], env={"COLUMNS": "200"}).output.split()
    )
    assert "--scorecard" in decide_help and "--framework" in decide_help
