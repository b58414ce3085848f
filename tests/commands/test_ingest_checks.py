"""What ingest checks at the door, and the bulk path, on SQLite and PostgreSQL.

- a file whose rows carry their stage needs no ``--stage`` (a log still does);
- a value its indicator's unit cannot hold is refused with the row and a hint, nothing stored;
- a log of another model than the one under assessment is refused unless accepted by name;
- a row's citation is stored and covered by the audit chain;
- a folder of many files is one transaction whose audit events still verify.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.commands import audit_verify, ingest, models_add, score_model
from scorecard.core.evidence import Evidence, SourceRef
from scorecard.db.engine import get_engine, resolve_url
from scorecard.errors import InputError
from scorecard.readers import SourceFile
from scorecard.records import evidence as evidence_records
from scorecard.records import models as model_records
from scorecard.records.session import writing
from scorecard.settings import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures"
LM_EVAL = FIXTURES / "lmeval" / "results_wmdp_dummy.json"
MOCK_LOG = FIXTURES / "inspect" / "wmdp_bio.eval"


def S(url: str, **changes: object) -> Settings:
    return Settings(database_url=url).using(**changes)


def cli(runner: CliRunner, url: str, *args: str) -> Any:
    return runner.invoke(app, [*args, "--database", url])


def query(url: str, sql: str) -> list[Any]:
    with get_engine(resolve_url(url)).connect() as connection:
        return list(connection.execute(text(sql)))


def evidence_count(url: str) -> int:
    return int(query(url, "SELECT count(*) FROM evidence")[0][0])


def event_count(url: str) -> int:
    return int(query(url, "SELECT count(*) FROM audit_events")[0][0])


def lm_eval_of(tmp_path: Path, model: str, name: str) -> Path:
    """The lm-eval fixture as produced by another model (other bytes, another model name)."""
    document = json.loads(LM_EVAL.read_text())
    document["model_name"] = model
    document["config"]["model_args"]["pretrained"] = model
    document["date"] = sum(map(ord, name))  # other bytes for every copy
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


# --- Stage from the rows ----------------------------------------------------------------------


def test_a_file_whose_rows_say_their_stage_needs_no_stage(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    cli(runner, db, "models", "add", "Aster")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        "stage,task,metric,value\n"
        "pre,ctf_professional,accuracy,0.31\n"
        "post,ctf_professional,accuracy,0.12\n"
        "pre,cybench,accuracy,0.2\n"
    )
    result = cli(runner, db, "ingest", str(mixed), "-m", "Aster")
    assert result.exit_code == 0, result.output
    assert "1 of 1 files stored, 3 evidence rows (pre and post)" in result.stdout
    assert "None" not in result.stdout
    assert query(db, "SELECT stage FROM sources") == [("mixed",)]
    assert sorted(query(db, "SELECT stage, value FROM evidence")) == [
        ("post", 0.12),
        ("pre", 0.2),
        ("pre", 0.31),
    ]
    # The same bytes again, with or without a stage named that agrees: nothing new.
    again = json.loads(cli(runner, db, "ingest", str(mixed), "-m", "Aster", "--json").stdout)
    assert again[0]["stored"] is False and "already ingested as source #1" in again[0]["note"]
    contradicted = cli(runner, db, "ingest", str(mixed), "-m", "Aster", "-s", "pre")
    assert contradicted.exit_code == 1
    assert "line 3: stage 'post' contradicts the stage given (pre)" in contradicted.stderr

    post_only = tmp_path / "post.csv"
    post_only.write_text("stage,task,metric,value\npost,cybench,accuracy,0.1\n")
    stored = json.loads(cli(runner, db, "ingest", str(post_only), "-m", "Aster", "--json").stdout)
    assert stored[0]["stored"] is True and stored[0]["stage"] == "post"
    named = json.loads(
        cli(runner, db, "ingest", str(post_only), "-m", "Aster", "-s", "post", "--json").stdout
    )
    assert named[0]["stored"] is False  # its stage is the rows' stage, named or not
    assert evidence_count(db) == 4
    assert audit_verify(S(db)).ok


def test_a_log_without_a_stage_is_refused(runner: CliRunner, db: str) -> None:
    cli(runner, db, "models", "add", "Aster")
    result = cli(runner, db, "ingest", str(LM_EVAL), "-m", "Aster")
    assert result.exit_code == 1
    assert "a log does not say which stage it measures: name the stage" in result.stderr
    assert evidence_count(db) == 0


# --- Units at the door -----------------------------------------------------------------------


def test_a_value_its_unit_cannot_hold_is_refused_and_nothing_is_stored(
    runner: CliRunner, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(runner, db, "models", "add", "Aster")
    good = tmp_path / "good.csv"
    good.write_text("task,metric,value\ncybench,accuracy,0.2\n")
    typo = tmp_path / "evidence.csv"
    typo.write_text(
        "task,metric,value\n"
        "ctf_high_school,accuracy,46\n"
        "ctf_collegiate,accuracy,0.3\n"
        "cybench,accuracy,1.5\n"
        "changemyview,percentile,250\n"
        "wmdp_bio,accuracy,-2\n"
    )
    events = event_count(db)
    monkeypatch.chdir(tmp_path)  # the message names the file as it was given
    result = cli(runner, db, "ingest", str(good), "evidence.csv", "-m", "Aster", "-s", "pre")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: evidence.csv, line 2: ctf_high_school/accuracy (cybersecurity/ctf_high_school): "
        "46 for a rate in [0, 1]: did you mean 0.46? … and 3 more rows"
    )
    assert evidence_count(db) == 0 and event_count(db) == events


def test_units_are_those_of_the_framework_the_model_is_scored_under(
    db: str, tmp_path: Path
) -> None:
    models_add(S(db), "Aster", "", "")
    score_model(S(db, framework_id="preparedness-v2"), "Aster")
    # ctf_high_school is read by v1 (the selected framework), not by v2, which scores Aster.
    v1_only = tmp_path / "v1_only.csv"
    v1_only.write_text("task,metric,value\nctf_high_school,accuracy,46\n")
    stored = ingest(S(db), [v1_only], "Aster", "pre")
    assert stored[0].stored
    both = tmp_path / "both.csv"
    both.write_text("task,metric,value\ncybench,accuracy,46\n")
    with pytest.raises(InputError, match=r"\(cybersecurity/cybench\): 46 for a rate in \[0, 1\]"):
        ingest(S(db), [both], "Aster", "pre")
    models_add(S(db), "Birch", "", "")  # not scored: the selected framework (v1) decides
    with pytest.raises(InputError, match=r"\(cybersecurity/ctf_high_school\): 46 for a rate"):
        ingest(S(db), [v1_only], "Birch", "pre")


# --- The log's model -------------------------------------------------------------------------


def test_a_log_of_another_model_is_refused_unless_accepted_by_name(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    cli(runner, db, "models", "add", "Aster")
    mock = tmp_path / "wmdp_bio.eval"
    shutil.copyfile(MOCK_LOG, mock)
    refused = cli(runner, db, "ingest", str(mock), "-m", "Aster", "-s", "pre")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"error: {mock}: the log's model 'mockllm/model' is not the model under assessment "
        "(Inspect's mock model, for tests); if it is right, pass --accept-model mockllm/model"
    )
    assert evidence_count(db) == 0

    # The real model's results name the model under assessment from then on.
    first = cli(runner, db, "ingest", str(LM_EVAL), "-m", "Aster", "-s", "pre")
    assert first.exit_code == 0, first.output
    other = lm_eval_of(tmp_path, "example-org/other-13b", "other.json")
    refused = cli(runner, db, "ingest", str(other), "-m", "Aster", "-s", "post")
    assert refused.exit_code == 1
    assert (
        "the log's model 'example-org/other-13b' is not the model under assessment (earlier "
        "evidence names 'example-org/dummy-7b'); if it is right, pass --accept-model "
        "example-org/other-13b"
    ) in refused.stderr

    accepted = cli(
        runner,
        db,
        "ingest",
        str(other),
        str(mock),
        "-m",
        "Aster",
        "-s",
        "post",
        "--accept-model",
        "example-org/other-13b",
        "--accept-model",
        "mockllm/model",
        "--json",
    )
    assert accepted.exit_code == 0, accepted.output
    results = json.loads(accepted.stdout)
    assert [r["accepted_model"] for r in results] == ["example-org/other-13b", "mockllm/model"]
    assert results[0]["warnings"] == [
        "other.json: the log's model 'example-org/other-13b' is not the model under assessment "
        "(earlier evidence names 'example-org/dummy-7b'); stored, accepted by name"
    ]
    human = cli(
        runner,
        db,
        "ingest",
        str(lm_eval_of(tmp_path, "example-org/other-13b", "other2.json")),
        "-m",
        "Aster",
        "-s",
        "post",
        "--accept-model",
        "example-org/other-13b",
    )
    assert human.exit_code == 0, human.output
    assert human.stderr.startswith("warning: other2.json: the log's model 'example-org/other-13b'")
    stored = query(db, "SELECT file_name, accepted_model FROM sources ORDER BY id")
    assert stored == [
        ("results_wmdp_dummy.json", None),
        ("other.json", "example-org/other-13b"),
        ("wmdp_bio.eval", "mockllm/model"),
        ("other2.json", "example-org/other-13b"),
    ]
    # Accepted names do not become the model's own: the real model's next log needs nothing.
    again = lm_eval_of(tmp_path, "example-org/dummy-7b", "again.json")
    assert cli(runner, db, "ingest", str(again), "-m", "Aster", "-s", "post").exit_code == 0
    # Re-ingesting an accepted log is a no-op, accepted or not.
    same = json.loads(
        cli(runner, db, "ingest", str(mock), "-m", "Aster", "-s", "post", "--json").stdout
    )
    assert same[0]["stored"] is False
    assert audit_verify(S(db)).ok


def test_logs_of_one_batch_must_agree(runner: CliRunner, db: str, tmp_path: Path) -> None:
    cli(runner, db, "models", "add", "Aster")
    folder = tmp_path / "logs"
    folder.mkdir()
    lm_eval_of(folder, "example-org/a-7b", "a.json")
    lm_eval_of(folder, "example-org/b-7b", "b.json")
    refused = cli(runner, db, "ingest", str(folder), "-m", "Aster", "-s", "pre")
    assert refused.exit_code == 1
    assert (
        "b.json: the log's model 'example-org/b-7b' is not the model under assessment (earlier "
        "files of this batch name 'example-org/a-7b')"
    ) in refused.stderr
    assert evidence_count(db) == 0


# --- Citations --------------------------------------------------------------------------------


def test_a_citation_is_stored_and_covered_by_the_audit_chain(db: str, tmp_path: Path) -> None:
    models_add(S(db), "Aster", "", "")
    cited = "https://cdn.openai.com/o1-system-card.pdf, table 5"
    rows = [
        Evidence(
            stage="pre",
            task="cybench",
            metric="accuracy",
            value=0.1,
            source=SourceRef(file="o1.csv", row=2),
            citation=cited,
        ),
        Evidence(stage="pre", task="ctf_professional", metric="accuracy", value=0.0),
    ]
    file = SourceFile(tmp_path / "o1.csv", "csv", "ab" * 32, 10, rows)
    with writing(resolve_url(db)) as session:
        model = model_records.resolve(session, "Aster")
        evidence_records.store(session, model, [file], "tester")
    assert query(db, "SELECT citation FROM evidence ORDER BY id") == [(cited,), (None,)]
    assert audit_verify(S(db)).ok
    with get_engine(resolve_url(db)).begin() as connection:
        connection.execute(text("UPDATE evidence SET citation = 'elsewhere' WHERE id = 1"))
    problems = audit_verify(S(db)).problems
    assert problems and "the record changed since it was recorded" in problems[0]


# --- The bulk path ----------------------------------------------------------------------------

AWKWARD_VALUES = ["0.1", "0.30000000000000004", "1", "0", "-0.0", "1e-300", "123456789.125", "-3"]


def test_a_folder_of_many_files_is_one_batch_and_the_chain_verifies(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    models_add(S(db), "Aster", "", "")
    folder = tmp_path / "backfill"
    folder.mkdir()
    files = 120
    for i in range(files):
        lines = ["stage,task,metric,value,stderr,n_samples"]
        for j, value in enumerate(AWKWARD_VALUES):
            stage = "pre" if (i + j) % 3 else "post"
            stderr = "" if j % 2 else "0.0125"
            samples = "" if j % 3 == 0 else str(j * 1000 + i)
            # Tasks no indicator reads: any value is possible for them.
            lines.append(f"{stage},bulk_task_{j}_ü,score_{i % 7},{value},{stderr},{samples}")
        (folder / f"file_{i:04d}.csv").write_text("\n".join(lines) + "\n")
    events = event_count(db)
    results = ingest(S(db), [folder], "Aster", None)
    assert all(r.stored for r in results) and len(results) == files
    assert {r.stage for r in results} == {"mixed"}
    assert evidence_count(db) == files * len(AWKWARD_VALUES)
    assert event_count(db) == events + files  # one event per source, covering its rows
    ids = [r.source_id for r in results]
    assert ids == sorted(ids) and len(set(ids)) == files
    stored = query(db, "SELECT source_id, count(*) FROM evidence GROUP BY source_id")
    assert sorted(stored) == [(source_id, len(AWKWARD_VALUES)) for source_id in ids]
    report = audit_verify(S(db))
    assert report.ok, report.problems
    # The ORM path continues the chain after the batch, in a later transaction.
    models_add(S(db), "Birch", "", "")
    single = ingest(S(db), [folder / "file_0000.csv"], "Birch", None)
    assert single[0].stored
    again = ingest(S(db), [folder], "Aster", None)
    assert not any(r.stored for r in again)
    assert [r.source_id for r in again] == ids
    report = audit_verify(S(db))
    assert report.ok, report.problems
    assert report.events == events + files + 2
    # Written without the ORM, stored as the ORM stores: the same timestamp text on SQLite.
    stamps = query(db, "SELECT ingested_at FROM sources UNION ALL SELECT created_at FROM models")
    if db.startswith("sqlite"):
        assert {len(str(stamp)) for (stamp,) in stamps} == {len("2026-11-26 14:00:00.123456")}


def test_many_accepted_logs_are_one_warning_line(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    cli(runner, db, "models", "add", "Aster")
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("wmdp_bio.eval", "two_scorers_3_epochs.eval", "two_scorers_2_reducers.eval"):
        shutil.copyfile(FIXTURES / "inspect" / name, folder / name)
    args = ["ingest", str(folder), "-m", "Aster", "-s", "pre", "--accept-model", "mockllm/model"]
    result = cli(runner, db, *args)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: 3 files (two_scorers_2_reducers.eval, two_scorers_3_epochs.eval, "
        "wmdp_bio.eval): the log's model 'mockllm/model' is not the model under assessment "
        "(Inspect's mock model, for tests); stored, accepted by name"
    ]
    assert "3 of 3 files stored, 17 evidence rows (pre)" in result.stdout


def test_bulk_and_single_events_interleave_in_one_transaction(db: str, tmp_path: Path) -> None:
    """A batched append after an ORM append (and before another) in the same transaction."""
    from scorecard.records import models as records

    path = tmp_path / "a.csv"
    path.write_text("task,metric,value\ncybench,accuracy,0.2\nctf_professional,accuracy,0.3\n")
    files = [
        SourceFile(
            path,
            "csv",
            f"{n:064x}",
            10,
            [Evidence(stage="pre", task="cybench", metric="accuracy", value=0.2 + n / 100)],
        )
        for n in range(3)
    ]
    with writing(resolve_url(db)) as session:
        model = records.add(session, "Aster", "", "", "tester")
        evidence_records.store(session, model, files[:2], "tester")
        records.add(session, "Birch", "", "", "tester")
        evidence_records.store(session, model, files[2:], "tester")
    report = audit_verify(S(db))
    assert report.ok, report.problems
    assert report.events == 5


def test_ingest_help_says_what_the_new_options_do(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert "--accept-model" in out and "Repeatable" in out
    assert "a CSV or JSONL file whose rows have a stage column can leave it out" in out


text_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
numbers = st.floats(allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0)
evidence_rows = st.lists(
    st.tuples(
        st.integers(1, 2**40),
        text_values,
        text_values,
        numbers,
        st.none() | numbers,
        st.none() | st.integers(0, 2**31 - 1),
        st.none() | st.integers(0, 2**31 - 1),
        st.none() | text_values,
    ),
    max_size=6,
    unique_by=lambda row: row[0],
)


@settings(max_examples=300, deadline=None)
@given(evidence_rows, st.none() | text_values, text_values)
def test_the_fast_source_hash_is_the_canonical_one(
    rows: list[tuple[Any, ...]], accepted: str | None, name: str
) -> None:
    """``audit.source_hash`` (rows as tuples, for the bulk path) writes the very text
    ``audit.content_hash`` (dicts through the canonical JSON encoder) does."""
    from scorecard.records import audit

    values = {
        "id": 3,
        "model_id": 1,
        "stage": "mixed",
        "format": "csv",
        "file_name": name,
        "sha256": "ab" * 32,
        "size": 10,
        "log_model": None,
        "eval_run_id": name,
        "eval_id": None,
        "eval_created": None,
        "metadata_json": '{"a": "\\u00e9"}',
        "ingested_by": name,
        "ingested_at": "2026-11-26T14:00:00.000001",
        "accepted_model": accepted,
    }
    tuples = [
        (row_id, 1, 3, "pre", task, metric, value, stderr, n, location, citation)
        for row_id, task, metric, value, stderr, n, location, citation in rows
    ]
    dicts = [dict(zip(audit.EVIDENCE_ROW, row, strict=True)) for row in tuples]
    assert audit.source_hash(values, list(reversed(tuples))) == audit.content_hash(
        "source", values, dicts
    )
