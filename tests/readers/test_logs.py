"""Inspect AI and lm-eval logs made by the real tools (tests/fixtures): exact values out."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from scorecard.errors import InputError
from scorecard.readers.detect import read, sniff
from scorecard.readers.interface import SourceFile

FIXTURES = Path(__file__).parents[1] / "fixtures"
INSPECT = FIXTURES / "inspect"
LM_EVAL = FIXTURES / "lmeval" / "results_wmdp_dummy.json"


def values(source: SourceFile) -> dict[str, tuple[float, float | None, int | None]]:
    return {e.metric: (e.value, e.stderr, e.n_samples) for e in source.evidence}


@pytest.mark.parametrize("name", ["wmdp_bio.eval", "wmdp_bio.json"])
def test_inspect_single_scorer(name: str) -> None:
    source = read(INSPECT / name, "pre")
    assert source.format == ("inspect-eval" if name.endswith(".eval") else "inspect-json")
    assert {e.task for e in source.evidence} == {"wmdp_bio"}
    assert values(source) == {
        "accuracy": (0.6, 0.1632993161855452, 10),
        "match/accuracy": (0.6, 0.1632993161855452, 10),
        "match/stderr": (0.1632993161855452, None, 10),
    }
    assert source.log_model == "mockllm/model"
    assert source.eval_run_id and source.eval_id and source.eval_created
    assert source.eval_created.endswith("+00:00")
    assert source.metadata["status"] == "success" and source.metadata["complete"] is True
    assert source.metadata["task_registry_name"] == "wmdp_bio"
    assert source.metadata["epochs"] == 1 and source.metadata["schema_version"] == 2
    assert source.metadata["headline"] == {
        "scorer": "match",
        "score": "match",
        "metric": "accuracy",
    }
    assert len(source.sha256) == 64 and source.size == (INSPECT / name).stat().st_size


def test_inspect_two_scorers_three_epochs() -> None:
    source = read(INSPECT / "two_scorers_3_epochs.eval", "post")
    got = values(source)
    assert got["accuracy"] == (0.6666666666666667, 0.21081851067789195, 15)  # headline: match
    assert got["includes/accuracy"] == (0.8666666666666666, 0.1333333333333333, 15)
    assert got["match/accuracy"][0] == 0.6666666666666667
    assert all(e.stage == "post" for e in source.evidence)
    assert source.metadata["epochs"] == 3


def test_inspect_reducers_are_kept_apart() -> None:
    got = values(read(INSPECT / "two_scorers_2_reducers.eval", "pre"))
    assert got["match[mean]/accuracy"][0] == 0.6666666666666667
    assert got["match[max]/accuracy"][0] == 0.8
    assert got["includes[mean]/accuracy"][0] == 0.8666666666666666
    assert got["includes[max]/accuracy"][:2] == (1.0, 0.0)
    assert got["accuracy"][0] == 0.6666666666666667  # the headline names reducer mean


def test_many_samples_header_only() -> None:
    source = read(INSPECT / "many_samples.eval", "pre")
    assert values(source)["accuracy"] == (0.6, 0.015499685165842575, 1000)


def test_failed_run_refused_unless_allowed() -> None:
    with pytest.raises(
        InputError,
        match=r"failed_run\.eval: the run's status is 'error' "
        r"\(RuntimeError\('grader crashed.*incomplete runs allowed",
    ):
        read(INSPECT / "failed_run.eval", "pre")
    source = read(INSPECT / "failed_run.eval", "pre", allow_incomplete=True)
    assert source.evidence == []
    assert source.metadata["complete"] is False
    assert "grader crashed" in source.metadata["error"]


def test_lm_eval_results() -> None:
    source = read(LM_EVAL, "pre")
    assert source.format == "lm-eval"
    assert {(e.task, e.metric): (e.value, e.stderr, e.n_samples) for e in source.evidence} == {
        ("wmdp_bio", "acc"): (0.3333333333333333, 0.14213381090374033, 12),
        ("wmdp_chem", "acc"): (0.375, 0.18298126367784995, 8),
        ("wmdp_cyber", "acc"): (0.0, None, 1),  # stderr "N/A"
        ("wmdp", "acc"): (0.3333333333333333, None, 21),
    }
    assert source.log_model == "example-org/dummy-7b"
    assert source.metadata["lm_eval_version"] == "0.4.13"
    assert source.eval_created is not None and source.eval_created.startswith("20")


def test_detection_is_by_content(tmp_path: Path) -> None:
    for original in (INSPECT / "wmdp_bio.eval", INSPECT / "wmdp_bio.json", LM_EVAL):
        renamed = tmp_path / f"{original.stem}.data"
        renamed.write_bytes(original.read_bytes())
        assert sniff(renamed) == sniff(original)
        assert values(read(renamed, "pre")) == values(read(original, "pre"))
    jsonl = tmp_path / "rows.json"
    jsonl.write_text('{"task": "cybench", "metric": "accuracy", "value": 0.3}\n')
    assert sniff(jsonl) == "jsonl"
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    with pytest.raises(InputError, match="neither an Inspect log nor lm-eval results"):
        read(other, "pre")


def test_deflate_and_old_layouts(tmp_path: Path) -> None:
    """Older Inspect versions wrote deflate members, and the oldest start/results at the root."""
    from scorecard.readers.inspect_log import _eval_header

    header = _eval_header(INSPECT / "wmdp_bio.eval")
    deflated = tmp_path / "deflate.eval"
    with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", json.dumps(header))
    assert values(read(deflated, "pre"))["accuracy"][0] == 0.6
    old = tmp_path / "old.eval"
    with zipfile.ZipFile(old, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("start.json", json.dumps({"version": 1, "eval": header["eval"]}))
        archive.writestr("results.json", json.dumps(header["results"]))
    assert values(read(old, "pre"))["accuracy"][0] == 0.6
    journal_only = tmp_path / "running.eval"
    with zipfile.ZipFile(journal_only, "w") as archive:
        archive.writestr("_journal/start.json", json.dumps({"version": 2, "eval": header["eval"]}))
    with pytest.raises(InputError, match="status is 'started'"):
        read(journal_only, "pre")
