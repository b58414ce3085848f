"""Reliability of the system of record, on SQLite and PostgreSQL.

* A command that fails leaves every table exactly as it was.
* An ingest killed with SIGKILL at a random point stores all of its batch or none of it, the
  audit chain stays intact, and running it again completes.
* Several scorecard processes writing the same database at once all succeed, lose nothing and
  leave an intact audit chain.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from scorecard.commands import (
    audit_verify,
    decide,
    ingest,
    judge,
    mitigate,
    models_add,
    score_model,
)
from scorecard.core.evidence import Judgment
from scorecard.db.engine import resolve_url
from scorecard.db.schema import Base
from scorecard.errors import InputError, ScorecardError
from tests.conftest import S

SCORECARD = [sys.executable, "-m", "scorecard"]
SEED = 20240607


# --- Helpers ------------------------------------------------------------------------------


@contextmanager
def raw(url: str) -> Iterator[Connection]:
    """A plain connection of our own, outside scorecard's engines."""
    engine = create_engine(resolve_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema revision), in id order."""
    with raw(url) as c:
        tables = {
            table.name: [tuple(r) for r in c.execute(table.select().order_by(table.c.id))]
            for table in Base.metadata.sorted_tables
        }
        tables["alembic_version"] = [
            tuple(r) for r in c.execute(text("SELECT * FROM alembic_version"))
        ]
    return tables


def count(url: str, table: str, model: str | None = None) -> int:
    """Rows of ``table`` (those of one model, by name, when given)."""
    query = f"SELECT count(*) FROM {table}"
    if model is not None:
        query += " WHERE model_id = (SELECT id FROM models WHERE name = :name)"
    with raw(url) as c:
        return int(c.execute(text(query), {"name": model}).scalar_one())


def cli(url: str, *args: str) -> list[str]:
    return [*SCORECARD, *args, "--database", url]


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(url, *args), capture_output=True, text=True, timeout=120, check=False)


# One process runs several `scorecard` commands in turn through the CLI's own entry point
# (one process per command would be mostly Python start-up), and ends each command's output
# with a separator line on stdout and stderr, after its exit code.
WORKER = """
import json, sys
from scorecard.cli import main
url, steps = sys.argv[1], json.loads(sys.argv[2])
for step in steps:
    sys.argv = ["scorecard", *step, "--database", url]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.write(f"\\x1eEXIT {code}\\n")
    sys.stdout.flush()
    sys.stderr.write("\\x1e\\n")
    sys.stderr.flush()
"""


def start_steps(url: str, steps: list[list[str]]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, json.dumps(steps)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_steps(proc: subprocess.Popen[str]) -> list[tuple[int, str]]:
    """Each command's exit code and stderr."""
    return [(code, err) for code, err, _ in finish_steps_with_output(proc)]


def finish_steps_with_output(proc: subprocess.Popen[str]) -> list[tuple[int, str, str]]:
    """Each command's exit code, stderr and stdout."""
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    # (split on "\n" only: str.splitlines() also splits at the separator)
    codes: list[int] = []
    outputs: list[str] = []
    lines: list[str] = []
    for line in out.split("\n"):
        if line.startswith("\x1eEXIT "):
            codes.append(int(line.split()[1]))
            outputs.append("\n".join(lines))
            lines = []
        else:
            lines.append(line)
    errors = err.split("\x1e\n")
    assert errors[-1] == "", err  # nothing after the last command
    assert len(codes) == len(errors) - 1 == len(outputs), (out, err)
    return list(zip(codes, errors[:-1], outputs, strict=True))


def csv_batch(folder: Path, files: int, rows: int, seed: int, prefix: str = "f") -> Path:
    """``files`` evidence CSVs of ``rows`` rows each, distinct in content, in a new folder."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(files):
        lines = ["task,metric,value,stderr,n_samples"]
        lines += [
            f"{prefix}_task_{i}_{j},accuracy,{rng.random():.6f},{rng.random() / 20:.6f},100"
            for j in range(rows)
        ]
        (folder / f"{prefix}{i:03d}.csv").write_text("\n".join(lines) + "\n")
    return folder


def _judgment(category: str, stage: str, level: str) -> Judgment:
    return Judgment(
        category=category,
        stage=stage,
        level=level,
        by="Red team lead",
        rationale="live study",
        indicator=None,
        override=False,
        kind="level",
    )


# --- (a) A failing command changes nothing --------------------------------------------------


@pytest.fixture
def reviewed(kestrel: str) -> str:
    """Kestrel-2 scored once, with a judgment that takes deploy off the table."""
    judge(S(kestrel), "Kestrel-2", _judgment("persuasion", "post", "high"))
    card = score_model(S(kestrel), "Kestrel-2", by="Eval lead")
    assert card["eligibility"]["deploy"] is False
    return kestrel


@pytest.fixture
def batch_files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.csv"
    good.write_text("task,metric,value\nctf_professional,accuracy,0.31\ncybench,accuracy,0.2\n")
    unreadable = tmp_path / "unreadable.csv"
    unreadable.write_text("task,metric,value\ncybench,accuracy,lots\n")
    # Readable, but its second row is refused by the database (see `poisoned`).
    poison = tmp_path / "poison.csv"
    poison.write_text("task,metric,value\ncybench,accuracy,0.4\npoison,accuracy,0.2\n")
    return {"good": good, "unreadable": unreadable, "poison": poison}


@pytest.fixture
def poisoned(reviewed: str) -> str:
    """The database refuses any evidence row whose task is "poison", mid-transaction: a
    trigger stands in for any constraint or server-side failure a write can meet."""
    with raw(reviewed) as c, c.begin():
        if c.dialect.name == "sqlite":
            c.execute(
                text(
                    "CREATE TRIGGER poison_evidence BEFORE INSERT ON evidence "
                    "WHEN NEW.task = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"
                )
            )
        else:
            c.execute(
                text(
                    "CREATE FUNCTION poison_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN IF NEW.task = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            c.execute(
                text(
                    "CREATE TRIGGER poison_evidence BEFORE INSERT ON evidence "
                    "FOR EACH ROW EXECUTE FUNCTION poison_evidence()"
                )
            )
    return reviewed


# (name, command-function call, CLI arguments, what the message says)
FAILURES: list[tuple[str, Callable[[str, dict[str, Path]], Any], list[str], str]] = [
    (
        "ingest-2nd-file-unreadable",
        lambda url, f: ingest(S(url), [f["good"], f["unreadable"]], "Kestrel-2", "pre"),
        ["ingest", "{good}", "{unreadable}", "-m", "Kestrel-2", "-s", "pre"],
        "unreadable.csv: line 2: value 'lots' is not a number",
    ),
    (
        "decide-deploy-refused-by-gates",
        lambda url, f: decide(S(url), "Kestrel-2", "deploy", "sag", "SAG", "ship it"),
        [
            "decide",
            "Kestrel-2",
            "--decision",
            "deploy",
            "--role",
            "sag",
            "--by",
            "SAG",
            "--rationale",
            "ship it",
        ],
        "refused: deploy is not allowed by scorecard #1",
    ),
    (
        "leadership-before-sag",
        lambda url, f: decide(S(url), "Kestrel-2", "do-not-deploy", "leadership", "CEO", "no"),
        [
            "decide",
            "Kestrel-2",
            "--decision",
            "do-not-deploy",
            "--role",
            "leadership",
            "--by",
            "CEO",
            "--rationale",
            "no",
        ],
        "no SAG recommendation yet",
    ),
    (
        "judge-unknown-category",
        lambda url, f: judge(S(url), "Kestrel-2", _judgment("bio", "pre", "low")),
        [
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
        ],
        "unknown category 'bio'",
    ),
    (
        "judge-corrects-missing",
        lambda url, f: judge(S(url), "Kestrel-2", _judgment("cbrn", "pre", "low"), corrects=99),
        [
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
        ],
        "has no judgment #99 to correct",
    ),
    (
        "mitigate-unknown-category",
        lambda url, f: mitigate(S(url), "Kestrel-2", "cyber", "x", "y"),
        ["mitigate", "Kestrel-2", "--category", "cyber", "--by", "x", "--description", "y"],
        "unknown category 'cyber'",
    ),
    (
        "models-add-duplicate",
        lambda url, f: models_add(S(url), "Kestrel-2", "", "again"),
        ["models", "add", "Kestrel-2"],
        "model Kestrel-2 already exists",
    ),
    (
        "score-unknown-model",
        lambda url, f: score_model(S(url), "Nope"),
        ["score", "Nope"],
        "no model 'Nope'",
    ),
]


EXIT_CODES = {
    "decide-deploy-refused-by-gates": 3,
    "leadership-before-sag": 3,
    "judge-corrects-missing": 4,
    "score-unknown-model": 4,
}


@pytest.mark.parametrize(
    ("call", "message"), [(f[1], f[3]) for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_a_failing_command_changes_nothing(
    reviewed: str, batch_files: dict[str, Path], call: Any, message: str
) -> None:
    before = dump(reviewed)
    with pytest.raises(ScorecardError) as raised:
        call(reviewed, batch_files)
    assert message in str(raised.value)
    assert dump(reviewed) == before


def test_a_batch_refused_mid_transaction_rolls_back_the_files_already_written(
    poisoned: str, batch_files: dict[str, Path]
) -> None:
    """The database refuses the 2nd file after the 1st file's rows went in: none remain."""
    before = dump(poisoned)
    good, poison = batch_files["good"], batch_files["poison"]
    with pytest.raises(ScorecardError, match="poisoned row"):
        ingest(S(poisoned), [good, poison], "Kestrel-2", "pre")
    assert dump(poisoned) == before
    # Through the CLI: one line "error: ...", and still nothing stored.
    result = run(poisoned, "ingest", str(good), str(poison), "-m", "Kestrel-2", "-s", "pre")
    assert result.returncode == 5  # refused by the database itself
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: database error at "), result.stderr
    assert "poisoned row" in lines[0]
    assert dump(poisoned) == before
    assert audit_verify(S(poisoned)).ok
    # The first file alone is accepted: the batch failed because of the second one.
    ingest(S(poisoned), [good], "Kestrel-2", "pre")
    assert count(poisoned, "evidence") == len(before["evidence"]) + 2
    assert audit_verify(S(poisoned)).ok


# Values the schema cannot hold on PostgreSQL (VARCHAR(300) task, VARCHAR(200) metric, 32-bit
# INTEGER sample count). "Every file is read and checked before the transaction opens"
# (scorecard.records.evidence), so the reader should refuse them on every backend.
OVERSIZED = {
    "task-301-chars": f"task,metric,value\n{'t' * 301},accuracy,0.2\n",
    "metric-201-chars": f"task,metric,value\ncybench,{'m' * 201},0.2\n",
    "n_samples-2**31": f"task,metric,value,n_samples\ncybench,accuracy,0.2,{2**31}\n",
}


@pytest.mark.parametrize("content", OVERSIZED.values(), ids=OVERSIZED.keys())
def test_the_reader_refuses_what_a_backend_cannot_store(
    reviewed: str, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(content)
    before = dump(reviewed)
    with pytest.raises(InputError, match=r"big\.csv: line 2: "):
        ingest(S(reviewed), [path], "Kestrel-2", "pre")
    assert dump(reviewed) == before


def test_failing_cli_commands_print_one_error_line_and_change_nothing(
    reviewed: str, batch_files: dict[str, Path]
) -> None:
    """The same failures through `scorecard`: one line "error: ..." each, and the exit code of
    its kind (1 refused input, 3 a closed gate, 4 not found)."""
    before = dump(reviewed)
    paths = {name: str(path) for name, path in batch_files.items()}
    steps = [[arg.format(**paths) for arg in args] for _, _, args, _ in FAILURES]
    results = finish_steps(start_steps(reviewed, steps))
    for (name, _, _, message), (code, err) in zip(FAILURES, results, strict=True):
        assert code == EXIT_CODES.get(name, 1), (name, err)
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (name, err)
        assert message in lines[0], (name, err)
    assert dump(reviewed) == before
    assert audit_verify(S(reviewed)).ok


# --- (b) SIGKILL mid-ingest -----------------------------------------------------------------

BATCH_FILES, BATCH_ROWS = 40, 200


class WriterProbe:
    """Tells whether a scorecard process is inside its write transaction right now.

    SQLite: writers take the lock with ``BEGIN IMMEDIATE``, so if we cannot, one is writing.
    PostgreSQL: writers hold scorecard's advisory lock; the process is found by the
    application name its connections carry (PGAPPNAME).
    """

    def __init__(self, url: str, app_name: str) -> None:
        resolved = resolve_url(url)
        self.app_name = app_name
        self.sqlite = make_url(resolved).get_backend_name() == "sqlite"
        if self.sqlite:
            self._sqlite = sqlite3.connect(make_url(resolved).database or "", timeout=0)
            self._sqlite.isolation_level = None
        else:
            self._engine = create_engine(resolved, poolclass=NullPool)
            self._pg = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def env(self) -> dict[str, str]:
        return {**os.environ, "PGAPPNAME": self.app_name}

    def writing(self) -> bool:
        if self.sqlite:
            try:
                self._sqlite.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                return True
            self._sqlite.execute("ROLLBACK")
            return False
        held = self._pg.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = :name"
            ),
            {"name": self.app_name},
        ).scalar_one()
        return bool(held)

    def wait_for_writer(self, proc: subprocess.Popen[str], timeout: float = 60.0) -> float:
        """Block until ``proc`` holds the write lock; returns when (monotonic)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.writing():
                return time.monotonic()
            if proc.poll() is not None:
                _, err = proc.communicate()
                raise AssertionError(f"exited {proc.returncode} before writing: {err}")
            time.sleep(0.002)
        raise AssertionError("the ingest never started writing")

    def last_write(self, proc: subprocess.Popen[str], timeout: float = 120.0) -> float:
        """Watch ``proc`` to its end; returns when it was last seen writing (monotonic)."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while proc.poll() is None and time.monotonic() < deadline:
            if self.writing():
                last = time.monotonic()
            time.sleep(0.002)
        return last

    def close(self) -> None:
        if self.sqlite:
            self._sqlite.close()
        else:
            self._pg.close()
            self._engine.dispose()


@pytest.mark.slow
def test_sigkill_mid_ingest_stores_all_or_nothing(db: str, tmp_path: Path) -> None:
    batch = csv_batch(tmp_path / "batch", BATCH_FILES, BATCH_ROWS, SEED)
    full = BATCH_FILES * BATCH_ROWS
    rng = random.Random(SEED)
    probe = WriterProbe(db, f"scorecard-kill-{os.getpid()}")

    def start(model: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            cli(db, "ingest", str(batch), "-m", model, "-s", "pre"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=probe.env(),
        )

    try:
        # How long one full ingest takes, and how much of it is the write transaction.
        models_add(S(db), "Timing", "", "")
        began = time.monotonic()
        proc = start("Timing")
        writing_from = probe.wait_for_writer(proc)
        writes = probe.last_write(proc) - writing_from  # first write lock to last
        out, err = proc.communicate(timeout=120)
        whole = time.monotonic() - began
        assert proc.returncode == 0, err
        assert f"40 of 40 files stored, {full} evidence rows" in out
        assert count(db, "evidence", "Timing") == full

        killed_mid_transaction: list[str] = []
        for attempt in range(5):
            model = f"Victim-{attempt}"
            models_add(S(db), model, "", "")
            proc = start(model)
            if attempt == 0:
                # Once while the files are still being read (before any write)...
                time.sleep(rng.uniform(0.05, 0.5) * (writing_from - began))
            else:
                # ...then at random points while it writes (it may commit first).
                probe.wait_for_writer(proc)
                time.sleep(rng.uniform(0.0, 0.8) * writes)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            stored = count(db, "evidence", model)
            assert stored in (0, full), (attempt, stored)
            assert count(db, "sources", model) == (BATCH_FILES if stored else 0)
            if attempt > 0 and proc.returncode == -signal.SIGKILL and stored == 0:
                killed_mid_transaction.append(model)
            report = audit_verify(S(db))
            assert report.ok, (attempt, report.problems)
            if probe.sqlite:
                with raw(db) as c:
                    assert c.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        # Most kills must land inside the transaction, or this test tests little.
        assert len(killed_mid_transaction) >= 2, (killed_mid_transaction, whole, writes)

        # Running a killed ingest again completes and stores the whole batch.
        victim = killed_mid_transaction[-1]
        retry = run(db, "ingest", str(batch), "-m", victim, "-s", "pre")
        assert retry.returncode == 0, retry.stderr
        assert f"40 of 40 files stored, {full} evidence rows" in retry.stdout
        assert count(db, "evidence", victim) == full
        report = audit_verify(S(db))
        assert report.ok, report.problems
        # An event per model and per stored source, no more: nothing half-recorded.
        assert report.events == 6 + count(db, "sources")
        assert count(db, "evidence") == count(db, "sources") * BATCH_ROWS
    finally:
        probe.close()


# --- (c) Several processes at once ------------------------------------------------------------

WORKERS = [("Alpha", 0), ("Alpha", 1), ("Beta", 2), ("Gamma", 3)]  # (model, worker number)
WORKER_FILES, WORKER_ROWS, SCORES = 5, 100, 3


@pytest.mark.slow
def test_concurrent_processes_lose_nothing(db: str, tmp_path: Path) -> None:
    for model in sorted({m for m, _ in WORKERS}):
        models_add(S(db), model, "", "")
    procs = []
    for model, n in WORKERS:
        batch = csv_batch(tmp_path / f"w{n}", WORKER_FILES, WORKER_ROWS, SEED + n, f"w{n}_")
        by = ["--by", f"worker {n}"]
        steps = [["ingest", str(batch), "-m", model, "-s", "pre", *by]]
        steps += [["score", model, "--json", *by]] * SCORES
        procs.append(start_steps(db, steps))
    stored: dict[str, set[int]] = {m: set() for m, _ in WORKERS}
    for (model, n), proc in zip(WORKERS, procs, strict=True):
        results = finish_steps_with_output(proc)
        assert len(results) == 1 + SCORES
        for code, err, _ in results:
            assert "database is locked" not in err and "Traceback" not in err, (n, err)
            # (whitespace allowed: the transient progress bar leaves a newline on a pipe)
            assert (code, err.strip()) == (0, ""), (n, err)
        scored = [json.loads(out) for _, _, out in results[1:]]
        if model != "Alpha":  # alone on its model: one scorecard, then nothing new to store
            assert [s["stored"] for s in scored] == [True] + [False] * (SCORES - 1), n
            assert len({s["id"] for s in scored}) == 1, n
        stored[model] |= {s["id"] for s in scored if s["stored"]}

    per_model = {m: sum(1 for model, _ in WORKERS if model == m) for m, _ in WORKERS}
    for model, workers in per_model.items():
        assert count(db, "evidence", model) == workers * WORKER_FILES * WORKER_ROWS
        assert count(db, "sources", model) == workers * WORKER_FILES
        assert count(db, "scorecards", model) == len(stored[model])
        assert 1 <= len(stored[model]) <= workers * SCORES
    # One framework snapshot, however many processes raced to create it.
    assert count(db, "framework_snapshots") == 1
    report = audit_verify(S(db))
    assert report.ok, report.problems
    sources, scorecards = len(WORKERS) * WORKER_FILES, sum(len(ids) for ids in stored.values())
    assert report.events == len(per_model) + sources + 1 + scorecards
    verified = run(db, "audit", "verify")
    assert verified.returncode == 0 and "audit chain intact" in verified.stdout
