"""The o1 launch record, with GPT-4o beside it, built with the CLI alone from published numbers.

The fixture (``tests/fixtures/o1_launch``) holds the headline Preparedness figures of the o1
(December 2024) and GPT-4o (August 2024) system cards, each row citing where it was published,
and the judgments those cards describe. Built as a governance team would build it, the record
must reproduce both published scorecards, keep every citation, and refuse a typo at the door.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scorecard.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "o1_launch"
PUBLISHED = {
    # model: (cybersecurity, cbrn, persuasion, model_autonomy, overall), pre and post alike
    "o1": ("low", "medium", "medium", "low", "medium"),
    "gpt-4o": ("low", "low", "medium", "low", "medium"),
}
CATEGORIES = ("cybersecurity", "cbrn", "persuasion", "model_autonomy")


def _run(runner: CliRunner, url: str, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--database", url])
    assert result.exit_code == 0, result.output
    return result


def _json(runner: CliRunner, url: str, *args: str) -> Any:
    return json.loads(_run(runner, url, *args, "--json").stdout)


def _build(runner: CliRunner, url: str, model: str) -> dict[str, Any]:
    _run(runner, url, "models", "add", model, "--description", f"{model} (published record)")
    # The rows carry their own stage: no --stage.
    _run(runner, url, "ingest", str(FIXTURES / f"{model}.csv"), "--model", model)
    _run(runner, url, "judge", model, "--file", str(FIXTURES / f"{model}-judgments.csv"))
    scored: dict[str, Any] = _json(runner, url, "score", model)
    return scored


def test_the_published_scorecards_are_reproduced(runner: CliRunner, db: str) -> None:
    for model, published in PUBLISHED.items():
        scored = _build(runner, db, model)
        levels = {c["id"]: c for c in scored["categories"]}
        for stage in ("pre", "post"):
            got = tuple(levels[c][stage]["level"] for c in CATEGORIES)
            assert got == published[:4], (model, stage)
            assert scored["overall"][stage] == published[4]
        # Coverage is stated for every category, never silently partial.
        for category in levels.values():
            stage = category["stages"]["pre"]
            assert 0 < stage["evaluated"] <= stage["indicator_count"]


def test_citations_are_kept_to_the_row(runner: CliRunner, db: str) -> None:
    _build(runner, db, "o1")
    listed = _json(runner, db, "evidence", "o1")
    cited = {(r["stage"], r["task"], r["metric"]): r["citation"] for r in listed["evidence"]}
    assert len(cited) == 26
    assert all(c and "arXiv:2412.16720" in c for c in cited.values())
    assert "MLE-bench" in cited[("post", "mle_bench", "accuracy")]


def test_the_card_carries_coverage_and_every_citation(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    _build(runner, db, "gpt-4o")
    card = tmp_path / "gpt-4o.html"
    _run(runner, db, "render", "gpt-4o", "--format", "html", "-o", str(card))
    page = card.read_text()
    # GPT-4o's CBRN rests on one expert judgment out of nine indicators: the card says so.
    assert "1 of 9 indicators" in page
    assert "rated low by judgment of Preparedness team on thin evidence" in page
    assert "Published figures and their sources" in page
    assert page.count("arXiv:2410.21276") == 14  # every row, pre and post


def test_a_typo_in_the_published_numbers_is_refused_at_the_door(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    _run(runner, db, "models", "add", "o1")
    typo = tmp_path / "o1.csv"
    # 46 typed for the CTF high-school solve rate of 0.46.
    typo.write_text(
        (FIXTURES / "o1.csv")
        .read_text()
        .replace("pre,ctf_high_school,accuracy,0.46,", "pre,ctf_high_school,accuracy,46,", 1)
    )
    result = runner.invoke(app, ["ingest", str(typo), "--model", "o1", "--database", db])
    assert result.exit_code == 1
    assert "line 2" in result.stderr and "did you mean 0.46?" in result.stderr
    assert _json(runner, db, "models", "list")[0]["evidence"] == 0
