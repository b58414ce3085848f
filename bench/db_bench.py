"""The system of record at volume, as ratios against baselines measured in the same run.

Fills a SQLite database with N models x 40 evidence rows x 2 stages (N = 10,000: 800,000 rows)
through the real library path (``command.init``, ``command.models_add``, ``command.ingest`` of
one CSV file per model and stage) and reports:

* ingest rows/s, against plain stdlib ``sqlite3`` ``executemany`` of the same rows into a table
  with the same columns and indexes as ``evidence`` (the floor), one transaction per file like
  scorecard, written chunk by chunk just before each scorecard chunk so both see the same
  machine load; and, for reference, all rows in one transaction;
* ingest through ``records.evidence.store`` with prebuilt ``SourceFile`` objects (no file read,
  no parsing), per-file transactions and batched transactions, to separate the costs;
* ``score`` and ``show`` latency for one model, ``history`` for a model with 100 scorecards, on a
  small database and on the full one: the large/small ratio should stay near 1, since no query
  may cost more as other models are added. The SELECTs these commands issue on the full
  database are also run through ``EXPLAIN QUERY PLAN`` and any full-table scan is listed;
* ``audit verify`` on the full database (informational: it reads everything by design);
* cProfile of a few library ingests and scores, top functions.

Latencies are in-process calls of the library functions (the CLI adds its start-up, measured by
bench/cli_startup.py), on a warm engine.

Run:  .venv/bin/python bench/db_bench.py                 # full run, N = 10,000
      .venv/bin/python bench/db_bench.py --models 200    # quick check
Writes JSON (and the profiles) to --out (a folder, default bench/results/, or a .json path).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import importlib
import io
import json
import os
import pickle
import platform
import pstats
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from scorecard import commands as command  # noqa: E402
from scorecard.db.engine import dispose, get_engine, resolve_url  # noqa: E402
from scorecard.settings import Settings  # noqa: E402


def S(url: str, **changes: object) -> Settings:
    return Settings(database_url=url).using(**changes)


ROWS_PER_FILE = 40
STAGES = ("pre", "post")
EVIDENCE_COLUMNS = (
    "model_id",
    "source_id",
    "stage",
    "task",
    "metric",
    "value",
    "stderr",
    "n_samples",
    "location",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Data ----------------------------------------------------------------------------------------


def v1_tasks() -> list[str]:
    """Every evaluation name the preparedness-v1 pack reads with the accuracy metric."""
    names: list[str] = []
    for path in sorted((ROOT / "categories" / "preparedness-v1").glob("*.toml")):
        for indicator in tomllib.loads(path.read_text()).get("indicators", []):
            if indicator.get("metric") == "accuracy":
                names.extend(n for n in indicator.get("evaluations", []) if n not in names)
    if not names:
        raise SystemExit("no accuracy evaluations found in categories/preparedness-v1")
    return names


Row = tuple[str, str, float, float, int]  # task, metric, value, stderr, n_samples


def make_rows(rng: random.Random, tasks: list[str]) -> list[Row]:
    """40 rows of real v1 task names (cycled past the first len(tasks)), accuracy in [0, 1]."""
    rows = []
    for j in range(ROWS_PER_FILE):
        n = rng.randint(50, 500)
        value = round(rng.random(), 4)
        stderr = round((value * (1 - value) / n) ** 0.5, 5)
        rows.append((tasks[j % len(tasks)], "accuracy", value, stderr, n))
    return rows


def csv_text(rows: list[Row]) -> str:
    lines = ["task,metric,value,stderr,n_samples"]
    lines += [f"{t},{m},{v!r},{s!r},{n}" for t, m, v, s, n in rows]
    return "\n".join(lines) + "\n"


class Dataset:
    """Deterministic rows for models 0..n-1 and their CSV files on disk."""

    def __init__(self, n: int, folder: Path, seed: int = 1234) -> None:
        self.n = n
        self.folder = folder
        tasks = v1_tasks()
        rng = random.Random(seed)
        self.rows: list[tuple[list[Row], list[Row]]] = [
            (make_rows(rng, tasks), make_rows(rng, tasks)) for _ in range(n)
        ]

    @staticmethod
    def name(i: int) -> str:
        return f"model-{i:05d}"

    def path(self, i: int, stage: str) -> Path:
        return self.folder / f"{self.name(i)}-{stage}.csv"

    def write_csv(self, upto: int | None = None) -> float:
        start = time.perf_counter()
        self.folder.mkdir(parents=True, exist_ok=True)
        for i in range(self.n if upto is None else upto):
            for s, stage in enumerate(STAGES):
                path = self.path(i, stage)
                if not path.exists():
                    path.write_text(csv_text(self.rows[i][s]))
        return time.perf_counter() - start

    def floor_rows(self, i: int, s: int) -> list[tuple[Any, ...]]:
        """The evidence rows exactly as scorecard stores them (ids as a fresh database gives)."""
        model_id, source_id = i + 1, 2 * i + s + 1
        return [
            (model_id, source_id, STAGES[s], t, m, v, e, n, line)
            for line, (t, m, v, e, n) in enumerate(self.rows[i][s], start=2)
        ]

    @property
    def total_rows(self) -> int:
        return self.n * len(STAGES) * ROWS_PER_FILE


# --- Helpers -------------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return resolve_url(f"sqlite:///{path}")


def timed(action: Callable[[], Any], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "median_ms": statistics.median(samples) * 1000,
        "min_ms": samples[0] * 1000,
        "p90_ms": samples[min(len(samples) - 1, int(len(samples) * 0.9))] * 1000,
        "runs": runs,
    }


def evidence_ddl(db: Path) -> list[str]:
    """CREATE statements of the evidence table and its indexes, as the migration made them."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'evidence' AND sql IS NOT NULL "
            "ORDER BY type DESC"  # table first, then indexes
        ).fetchall()
    return [r[0] for r in rows]


def open_like_scorecard(db: Path) -> sqlite3.Connection:
    """Plain sqlite3 with scorecard's durability settings (WAL, synchronous NORMAL)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def file_sizes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Floor: plain sqlite3 ------------------------------------------------------------------------


INSERT_EVIDENCE = (
    f"INSERT INTO evidence ({', '.join(EVIDENCE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(EVIDENCE_COLUMNS))})"
)


class Floor:
    """Plain sqlite3 executemany of the same rows, one transaction per file like `ingest`.

    Written chunk by chunk between the scorecard chunks (see fill_library), so both see the
    same machine load and database size; the ratio is computed from the summed times.
    """

    def __init__(self, data: Dataset, ddl: list[str], db: Path) -> None:
        self.data = data
        self.db = db
        self.conn = open_like_scorecard(db)
        for statement in ddl:
            self.conn.execute(statement)
        self.seconds = 0.0
        self.rows = 0
        self.transactions = 0

    def write(self, first: int, last: int) -> float:
        files = [self.data.floor_rows(i, s) for i in range(first, last) for s in range(len(STAGES))]
        start = time.perf_counter()
        for rows in files:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(INSERT_EVIDENCE, rows)
            self.conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        self.seconds += seconds
        self.rows += sum(len(rows) for rows in files)
        self.transactions += len(files)
        return seconds

    def close(self) -> dict[str, Any]:
        self.conn.close()
        return {
            "seconds": self.seconds,
            "rows": self.rows,
            "rows_per_s": self.rows / self.seconds,
            "transactions": self.transactions,
            "ms_per_file": self.seconds / self.transactions * 1000,
            "db_bytes": file_sizes(self.db),
        }


def floor_one_txn(data: Dataset, ddl: list[str], db: Path) -> dict[str, Any]:
    """The same rows in one transaction: what batching could reach at most."""
    files = [data.floor_rows(i, s) for i in range(data.n) for s in range(len(STAGES))]
    conn = open_like_scorecard(db)
    for statement in ddl:
        conn.execute(statement)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(INSERT_EVIDENCE, (row for rows in files for row in rows))
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return {"seconds": seconds, "rows_per_s": data.total_rows / seconds}


def floor_point_read(db: Path, model_id: int, runs: int) -> dict[str, float]:
    """Plain sqlite3: one model's evidence rows by model_id (what `score` must read at least)."""
    conn = sqlite3.connect(db)
    query = "SELECT * FROM evidence WHERE model_id = ? ORDER BY id"
    result = timed(lambda: conn.execute(query, (model_id,)).fetchall(), runs)
    conn.close()
    return result


# --- scorecard: library path ---------------------------------------------------------------------


def fill_library(
    url: str,
    data: Dataset,
    count: int,
    budget_s: float | None,
    chunk: int,
    floor: Floor | None = None,
) -> dict[str, Any]:
    """init, then models_add and ingest (one CSV per stage) per model, as the CLI does.

    With ``floor``, each chunk's rows are first written by plain sqlite3 too, and timed."""
    start = time.perf_counter()
    command.init(S(url))
    init_s = time.perf_counter() - start
    add_s = ingest_s = 0.0
    chunks = []
    done = 0
    chunk_start, chunk_ingest = time.perf_counter(), 0.0
    chunk_floor = floor.write(0, min(chunk, count)) if floor else None
    for i in range(count):
        name = data.name(i)
        t0 = time.perf_counter()
        command.models_add(S(url), name, "", "benchmark model")
        t1 = time.perf_counter()
        for stage in STAGES:
            command.ingest(S(url), [data.path(i, stage)], name, stage)
        t2 = time.perf_counter()
        add_s += t1 - t0
        ingest_s += t2 - t1
        chunk_ingest += t2 - t1
        done = i + 1
        if done % chunk == 0 or done == count:
            models_in_chunk = chunk if done % chunk == 0 else done % chunk
            rows = models_in_chunk * len(STAGES) * ROWS_PER_FILE
            entry = {
                "models_done": done,
                "ingest_rows_per_s": rows / chunk_ingest,
                "wall_s": time.perf_counter() - chunk_start,
            }
            floor_text = ""
            if chunk_floor is not None:
                entry["floor_rows_per_s"] = rows / chunk_floor
                entry["floor_over_ingest"] = chunk_ingest and chunk_ingest / chunk_floor
                floor_text = f", floor {rows / chunk_floor:,.0f} rows/s"
            chunks.append(entry)
            log(
                f"  library fill: {done}/{count} models, ingest {rows / chunk_ingest:,.0f} rows/s "
                f"in this chunk{floor_text}, {time.perf_counter() - start:,.0f} s so far"
            )
            chunk_start, chunk_ingest = time.perf_counter(), 0.0
            if floor is not None and done < count:
                chunk_floor = floor.write(done, min(done + chunk, count))
            if budget_s is not None and time.perf_counter() - start > budget_s and done < count:
                log(f"  library fill: over the {budget_s:.0f} s budget, stopping at {done} models")
                break
    rows = done * len(STAGES) * ROWS_PER_FILE
    return {
        "models": done,
        "rows": rows,
        "complete": done == count,
        "init_s": init_s,
        "models_add_s": models_add_ms(add_s, done),
        "ingest_s": ingest_s,
        "ingest_rows_per_s": rows / ingest_s,
        "ingest_ms_per_file": ingest_s / (done * len(STAGES)) * 1000,
        "ingest_plus_models_add_rows_per_s": rows / (ingest_s + add_s),
        "wall_s": time.perf_counter() - start,
        "chunks": chunks,
    }


def models_add_ms(seconds: float, count: int) -> dict[str, float]:
    return {"seconds": seconds, "ms_per_model": seconds / max(count, 1) * 1000}


# --- scorecard: records.evidence.store with prebuilt SourceFile objects --------------------------


def evidence_reader() -> Callable[[Path, str], Any]:
    """The reader `command.ingest` uses: format detection when this tree has it, else CSV/JSONL."""
    try:
        detect = importlib.import_module("scorecard.readers.detect")
    except ImportError:
        from scorecard.readers.tabular import read_source

        return lambda path, stage: read_source(path, default_stage=stage)
    read: Callable[[Path, str], Any] = detect.read
    return read


def fill_store(url: str, data: Dataset, models: int, batch_models: int) -> dict[str, Any]:
    """evidence.store straight from parsed SourceFile objects: no file read, no CSV parsing.

    ``per_file``: one writing() transaction per file (as `ingest` does); ``batched``: one
    transaction per ``batch_models`` models, to show what the per-transaction overhead costs.
    """
    read_source = evidence_reader()
    from scorecard.records import evidence
    from scorecard.records import models as model_records
    from scorecard.records.session import writing

    command.init(S(url))
    half = models // 2
    parse_start = time.perf_counter()
    parsed = [[read_source(data.path(i, stage), stage) for stage in STAGES] for i in range(models)]
    parse_s = time.perf_counter() - parse_start
    with writing(url) as session:
        for i in range(models):
            model_records.add(session, data.name(i), "", "benchmark model", "bench")

    start = time.perf_counter()
    for i in range(half):
        for s, stage in enumerate(STAGES):
            with writing(url) as session:
                model = model_records.resolve(session, data.name(i))
                evidence.store(session, model, [parsed[i][s]], "bench", stage=stage)
    per_file_s = time.perf_counter() - start

    start = time.perf_counter()
    for first in range(half, models, batch_models):
        with writing(url) as session:
            for i in range(first, min(first + batch_models, models)):
                model = model_records.resolve(session, data.name(i))
                for s, stage in enumerate(STAGES):
                    evidence.store(session, model, [parsed[i][s]], "bench", stage=stage)
    batched_s = time.perf_counter() - start

    per_file_rows = half * len(STAGES) * ROWS_PER_FILE
    batched_rows = (models - half) * len(STAGES) * ROWS_PER_FILE
    return {
        "models": models,
        "read_source_s": parse_s,
        "read_source_ms_per_file": parse_s / (models * len(STAGES)) * 1000,
        "per_file_txn": {
            "models": half,
            "rows": per_file_rows,
            "seconds": per_file_s,
            "rows_per_s": per_file_rows / per_file_s,
            "ms_per_file": per_file_s / (half * len(STAGES)) * 1000,
        },
        "batched_txn": {
            "models": models - half,
            "models_per_txn": batch_models,
            "rows": batched_rows,
            "seconds": batched_s,
            "rows_per_s": batched_rows / batched_s,
            "ms_per_file": batched_s / ((models - half) * len(STAGES)) * 1000,
        },
    }


# --- Bulk: a back-fill in one transaction, whole process on both sides ----------------------------


BULK_MODEL = "bulk-model"


def bulk_inputs(data: Dataset, files: int, work: Path) -> dict[str, Path]:
    """The same rows for every side: a pickle of (file name, sha256, rows) for the two
    in-memory sides, and the CSV files themselves (hard links) for `scorecard ingest`."""
    folder = work / "bulk-csv"
    folder.mkdir()
    entries = []
    for k in range(files):
        model, stage = divmod(k, len(STAGES))
        source = data.path(model, STAGES[stage])
        target = folder / f"bulk-{k:06d}.csv"
        os.link(source, target)
        raw = source.read_bytes()
        entries.append(
            (target.name, hashlib.sha256(raw).hexdigest(), len(raw), data.rows[model][stage])
        )
    pickled = work / "bulk-rows.pickle"
    pickled.write_bytes(pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL))
    return {"pickle": pickled, "folder": folder}


FLOOR_CHILD = f"""
import pickle, sqlite3, sys
entries = pickle.loads(open(sys.argv[1], "rb").read())
conn = sqlite3.connect(sys.argv[2], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("BEGIN IMMEDIATE")
conn.executemany(
    {INSERT_EVIDENCE!r},
    (
        (1, source, "pre", task, metric, value, stderr, n, line)
        for source, (_name, _sha, _size, rows) in enumerate(entries, start=1)
        for line, (task, metric, value, stderr, n) in enumerate(rows, start=2)
    ),
)
conn.execute("COMMIT")
conn.close()
"""
"""Plain sqlite3, a process of its own: load the rows, one executemany, one transaction."""

BULK_CHILD = f"""
import gc, pickle, sys
gc.disable()  # as `scorecard ingest` does for its batch
from pathlib import Path
from scorecard.core.evidence import Evidence, SourceRef
from scorecard.readers.interface import SourceFile
from scorecard.records import evidence
from scorecard.records import models
from scorecard.records.session import writing

entries = pickle.loads(open(sys.argv[1], "rb").read())
files = [
    SourceFile(
        path=Path(name),
        format="csv",
        sha256=sha,
        size=size,
        evidence=[
            Evidence(
                stage="pre",
                task=task,
                metric=metric,
                value=value,
                stderr=stderr,
                n_samples=n,
                source=SourceRef(file=name, row=line),
            )
            for line, (task, metric, value, stderr, n) in enumerate(rows, start=2)
        ],
    )
    for name, sha, size, rows in entries
]
with writing(sys.argv[2]) as session:
    model = models.resolve(session, {BULK_MODEL!r})
    stored = evidence.store(session, model, files, "bench", stage="pre")
assert all(r.stored for r in stored)
"""
"""scorecard's bulk path, a process of its own: the same rows made into what a reader hands
over (a SourceFile per file, validated Evidence rows), stored in one transaction by
``records.evidence.store``: sources, rows and audit events, one statement each."""


def bulk(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Whole processes, alternating, each on a fresh copy of its database:

    * floor: ``python`` + stdlib sqlite3, the rows loaded from a pickle, one ``executemany``
      into a table with the evidence table's DDL and indexes, one transaction;
    * bulk: ``python`` + scorecard, the same pickle made into SourceFile/Evidence objects and
      stored by ``records.evidence.store`` in one transaction (with sources and audit events);
    * ingest: ``scorecard ingest FOLDER`` on the same rows as CSV files (reading and parsing
      them too), for reference.
    """
    files = args.bulk_files
    data = Dataset((files + 1) // 2, work / "csv")
    log(f"bulk: {files} files x {ROWS_PER_FILE} rows = {files * ROWS_PER_FILE:,} rows ...")
    data.write_csv()
    inputs = bulk_inputs(data, files, work)
    template = work / "bulk-template.db"
    url = sqlite_url(template)
    command.init(S(url))
    command.models_add(S(url), BULK_MODEL, "", "")
    dispose(url)
    floor_template = work / "bulk-floor-template.db"
    conn = open_like_scorecard(floor_template)
    for statement in evidence_ddl(template):
        conn.execute(statement)
    conn.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def fresh(source: Path) -> Path:
        target = work / f"bulk-run{source.suffix}"
        for stale in work.glob(target.name + "*"):
            stale.unlink()
        shutil.copyfile(source, target)
        return target

    def run(argv: list[str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, check=False, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:5])} failed:\n{done.stderr}")
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return wall, cpu

    sides: dict[str, Callable[[], tuple[float, float]]] = {
        "floor": lambda: run(
            [sys.executable, "-c", FLOOR_CHILD, str(inputs["pickle"]), str(fresh(floor_template))]
        ),
        "bulk": lambda: run(
            [sys.executable, "-c", BULK_CHILD, str(inputs["pickle"]), sqlite_url(fresh(template))]
        ),
        "ingest": lambda: run(
            [
                sys.executable,
                "-m",
                "scorecard",
                "ingest",
                str(inputs["folder"]),
                "--model",
                BULK_MODEL,
                "--stage",
                "pre",
                "--database",
                sqlite_url(fresh(template)),
            ]
        ),
    }
    if args.bulk_skip_ingest:
        del sides["ingest"]
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for run_number in range(args.bulk_runs):
        for name, side in sides.items():
            samples[name].append(side())
        floor_s, bulk_s = samples["floor"][-1][0], samples["bulk"][-1][0]
        ratio = floor_s / bulk_s
        log(f"  run {run_number + 1}: floor {floor_s:.2f} s, bulk {bulk_s:.2f} s: {ratio:.2f}x")

    def ratios(name: str, index: int) -> dict[str, float]:
        values = [f[index] / o[index] for f, o in zip(samples["floor"], samples[name], strict=True)]
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    result: dict[str, Any] = {
        "in_process": bulk_in_process(inputs["pickle"], template, floor_template, work),
        "files": files,
        "rows": files * ROWS_PER_FILE,
        "runs": args.bulk_runs,
        "seconds": {name: [w for w, _ in values] for name, values in samples.items()},
        "cpu_seconds": {name: [c for _, c in values] for name, values in samples.items()},
        "bulk_over_floor": ratios("bulk", 0),
        "bulk_over_floor_cpu": ratios("bulk", 1),
    }
    if "ingest" in samples:
        result["ingest_over_floor"] = ratios("ingest", 0)
    return result


def bulk_in_process(
    pickled: Path, template: Path, floor_template: Path, work: Path
) -> dict[str, Any]:
    """The same comparison inside one process, start-up aside, split where the time goes:
    making the Evidence objects (the readers' work), ``records.evidence.store`` (sources,
    rows, audit events), against the floor's ``executemany`` alone. Fastest of three."""
    import gc

    from scorecard.core.evidence import Evidence, SourceRef
    from scorecard.readers.interface import SourceFile
    from scorecard.records import evidence
    from scorecard.records import models as model_records
    from scorecard.records.session import writing

    entries = pickle.loads(pickled.read_bytes())
    rows = sum(len(r) for *_, r in entries)
    best: dict[str, float] = {"evidence_objects": 1e9, "store": 1e9, "floor": 1e9}
    for attempt in range(3):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            files = [
                SourceFile(
                    path=Path(name),
                    format="csv",
                    sha256=sha,
                    size=size,
                    evidence=[
                        Evidence(
                            stage="pre",
                            task=task,
                            metric=metric,
                            value=value,
                            stderr=stderr,
                            n_samples=n,
                            source=SourceRef(file=name, row=line),
                        )
                        for line, (task, metric, value, stderr, n) in enumerate(rows_, start=2)
                    ],
                )
                for name, sha, size, rows_ in entries
            ]
            best["evidence_objects"] = min(best["evidence_objects"], time.perf_counter() - start)
            db = work / f"bulk-in-process-{attempt}.db"
            shutil.copyfile(template, db)
            url = sqlite_url(db)
            with writing(url) as session:
                model = model_records.resolve(session, BULK_MODEL)
                start = time.perf_counter()
                evidence.store(session, model, files, "bench", stage="pre")
                session.flush()
            best["store"] = min(best["store"], time.perf_counter() - start)
            dispose(url)
            floor_db = work / f"bulk-in-process-floor-{attempt}.db"
            shutil.copyfile(floor_template, floor_db)
            conn = open_like_scorecard(floor_db)
            values = [
                (1, source, "pre", task, metric, value, stderr, n, line)
                for source, (_name, _sha, _size, rows_) in enumerate(entries, start=1)
                for line, (task, metric, value, stderr, n) in enumerate(rows_, start=2)
            ]
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT_EVIDENCE, values)
            conn.execute("COMMIT")
            best["floor"] = min(best["floor"], time.perf_counter() - start)
            conn.close()
        finally:
            gc.enable()
    return {
        "rows": rows,
        "seconds": best,
        "us_per_row": {key: value / rows * 1e6 for key, value in best.items()},
        "store_over_floor": best["floor"] / best["store"],
    }


def report_bulk(result: dict[str, Any]) -> list[str]:
    b = result["bulk"]

    def fmt(d: dict[str, float]) -> str:
        return f"{d['median']:.2f}x (range {d['min']:.2f}-{d['max']:.2f})"

    def median_s(name: str) -> str:
        return f"{statistics.median(b['seconds'][name]):.2f} s"

    lines = [
        "",
        f"Bulk back-fill, whole processes, {b['files']:,} files x {ROWS_PER_FILE} rows = "
        f"{b['rows']:,} rows, {b['runs']} runs (median, range):",
        f"  sqlite3 executemany, one transaction (FLOOR)   {median_s('floor')}",
        f"  scorecard bulk store (sources, rows, audit)    {median_s('bulk')}   "
        f"speed vs floor {fmt(b['bulk_over_floor'])}, CPU {fmt(b['bulk_over_floor_cpu'])}",
    ]
    ip = b["in_process"]["us_per_row"]
    lines.append(
        f"  in one process, per row: Evidence objects {ip['evidence_objects']:.2f} us, "
        f"records.evidence.store {ip['store']:.2f} us, sqlite3 executemany {ip['floor']:.2f} us: "
        f"store speed vs floor {b['in_process']['store_over_floor']:.2f}x"
    )
    if "ingest_over_floor" in b:
        lines.append(
            f"  scorecard ingest FOLDER (reads the CSV too)    {median_s('ingest')}   "
            f"speed vs floor {fmt(b['ingest_over_floor'])}"
        )
    return lines


# --- Latencies -----------------------------------------------------------------------------------


@contextmanager
def captured_selects(url: str) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if not many and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


_BOUNDED = re.compile(r"ORDER BY \w+\.id DESC\s+LIMIT", re.IGNORECASE)


def query_plans(db: Path, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """EXPLAIN QUERY PLAN of each distinct SELECT; flags full scans of tables that grow."""
    conn = sqlite3.connect(db)
    seen: dict[str, dict[str, Any]] = {}
    for statement, params in statements:
        key = " ".join(statement.split())
        if key in seen:
            continue
        plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + statement, params or ())]
        scans = [
            p
            for p in plan
            if p.startswith("SCAN ")
            and "USING" not in p  # USING INDEX / COVERING INDEX / INTEGER PRIMARY KEY: bounded
            and "alembic_version" not in p  # one row
        ]
        note = None
        if scans and _BOUNDED.search(key):
            note = "bounded: walks the primary key backwards and stops at LIMIT"
        seen[key] = {
            "sql": key[:300],
            "plan": plan,
            "full_scan": bool(scans) and note is None,
            "note": note,
        }
    conn.close()
    return list(seen.values())


def prepare(url: str, data: Dataset, models: int, cards: int) -> dict[str, Any]:
    """Warm the engine; give the history model ``cards`` scorecards (the score model gets more)."""
    target = data.name(models // 2)
    other = data.name(models // 2 + 1)
    command.score_model(S(url), target)  # first use: framework snapshot, imports, caches
    command.show(S(url), target)
    command.history(S(url), target)
    have = len(command.history(S(url), other))
    start = time.perf_counter()
    for _ in range(max(0, cards - have)):
        command.score_model(S(url), other)
    return {
        "url": url,
        "models_in_db": models,
        "score_model": target,
        "history_model": other,
        "history_fill_s": time.perf_counter() - start,
        "history_scorecards": len(command.history(S(url), other)),
    }


def latencies(setups: list[dict[str, Any]], runs: int) -> list[dict[str, Any]]:
    """score/show of one model and history of the other, samples alternating between databases
    so that a change in machine load hits every database alike."""
    operations: dict[str, Callable[[dict[str, Any]], Any]] = {
        "score": lambda c: command.score_model(S(c["url"]), c["score_model"]),
        "show": lambda c: command.show(S(c["url"]), c["score_model"]),
        "history": lambda c: command.history(S(c["url"]), c["history_model"]),
    }
    results: list[dict[str, Any]] = [
        {k: v for k, v in setup.items() if k != "url"} for setup in setups
    ]
    for key, operation in operations.items():
        samples: list[list[float]] = [[] for _ in setups]
        for _ in range(runs):
            for n, setup in enumerate(setups):
                start = time.perf_counter()
                operation(setup)
                samples[n].append(time.perf_counter() - start)
        for n, values in enumerate(samples):
            values.sort()
            results[n][key] = {
                "median_ms": statistics.median(values) * 1000,
                "min_ms": values[0] * 1000,
                "p90_ms": values[min(len(values) - 1, int(len(values) * 0.9))] * 1000,
                "runs": runs,
            }
    return results


def plans_for_commands(url: str, db: Path, data: Dataset, models: int) -> list[dict[str, Any]]:
    """The SELECTs of models_add, two ingests (a new model), score, show and history."""
    name = "plan-check-model"
    with captured_selects(url) as statements:
        command.models_add(S(url), name, "", "query plan check")
        for stage in STAGES:
            command.ingest(S(url), [data.path(0, stage)], name, stage)
        command.score_model(S(url), data.name(models // 2))
        command.show(S(url), data.name(models // 2))
        command.history(S(url), data.name(models // 2 + 1))
    return query_plans(db, statements)


# --- Profiles ------------------------------------------------------------------------------------


def profile(action: Callable[[], Any], out_file: Path, top: int = 25) -> dict[str, Any]:
    gc.collect()  # no collection of an earlier phase's garbage inside the profile
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    action()
    profiler.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    out_file.write_text(text.getvalue())

    def rows(key: str) -> list[dict[str, Any]]:
        entries = []
        for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            entries.append(
                {
                    "function": f"{Path(file).name}:{line}({func})" if file != "~" else f"{func}",
                    "path": file,
                    "calls": nc,
                    "tottime_s": tt,
                    "cumtime_s": ct,
                    "cum_share": ct / total if total else 0.0,
                }
            )
        entries.sort(key=lambda e: e[key], reverse=True)
        return entries[:top]

    return {
        "wall_s": wall,
        "profiled_total_s": total,
        "file": str(out_file),
        "top_cumulative": rows("cumtime_s"),
        "top_tottime": rows("tottime_s"),
    }


def scorecard_hotspots(entries: list[dict[str, Any]], limit: int = 12) -> list[dict[str, Any]]:
    """The heaviest scorecard functions (cumulative), so the report names product code."""
    own = [e for e in entries if "/scorecard/" in e["path"]]
    return own[:limit]


def profiles(url: str, data: Dataset, out_dir: Path, files: int) -> dict[str, Any]:
    """cProfile of ``files`` library ingests (new models, CSVs written beforehand) and scores."""
    models = max(1, files // len(STAGES))
    extra = Dataset(models, data.folder / "profile", seed=99)
    extra.write_csv()
    names = [f"profile-{i:04d}" for i in range(models)]
    for name in names:
        command.models_add(S(url), name, "", "profiled model")

    def ingest_all() -> None:
        for i, name in enumerate(names):
            for stage in STAGES:
                command.ingest(S(url), [extra.path(i, stage)], name, stage)

    def score_some() -> None:
        for _ in range(10):
            command.score_model(S(url), names[0])

    ingest = profile(ingest_all, out_dir / "db_bench_profile_ingest.txt", top=40)
    ingest["files"] = models * len(STAGES)
    ingest["ms_per_file"] = ingest["wall_s"] / ingest["files"] * 1000
    score = profile(score_some, out_dir / "db_bench_profile_score.txt", top=40)
    score["calls"] = 10
    return {"ingest": ingest, "score": score}


# --- Report ---------------------------------------------------------------------------------------


def report_ingest(result: dict[str, Any]) -> list[str]:
    fl, lib = result["floor"], result["library"]
    n = result["config"]["models"]
    lines = [
        f"scorecard db bench: {lib['models']:,} models x {ROWS_PER_FILE} rows x {len(STAGES)} "
        f"stages = {lib['rows']:,} evidence rows (asked for {n:,} models)"
    ]
    if not lib["complete"]:
        lines.append(
            f"  NOTE: library fill stopped at {lib['models']:,} models (time budget); "
            f"extrapolated full ingest: {result['extrapolation']['library_ingest_s']:,.0f} s"
        )
    lines += [
        "",
        "Ingest                                              rows/s     x floor   ms/file",
    ]
    floor_rate = fl["per_file_txn"]["rows_per_s"]

    def row(label: str, rate: float, ms: float | None = None, base: float = floor_rate) -> None:
        ms_text = f"{ms:9.2f}" if ms is not None else ""
        lines.append(f"  {label:46s} {rate:12,.0f} {rate / base:10.3f} {ms_text}")

    per_file = fl["per_file_txn"]
    row("sqlite3 executemany, 1 txn/file (FLOOR)", floor_rate, per_file["ms_per_file"])
    row("sqlite3 executemany, 1 txn for all", fl["one_txn"]["rows_per_s"])
    row("scorecard ingest() (library path)", lib["ingest_rows_per_s"], lib["ingest_ms_per_file"])
    row("scorecard ingest() + models_add()", lib["ingest_plus_models_add_rows_per_s"])
    st = result.get("store")
    if st:
        base = st["floor_nearby"]["rows_per_s"]
        lines.append(
            f"  evidence.store, {st['models']} models, against a floor run next to it "
            f"({base:,.0f} rows/s):"
        )
        row(
            "evidence.store, prebuilt files, 1 txn/file",
            st["per_file_txn"]["rows_per_s"],
            st["per_file_txn"]["ms_per_file"],
            base,
        )
        row(
            f"evidence.store, prebuilt, 1 txn/{st['batched_txn']['models_per_txn']} models",
            st["batched_txn"]["rows_per_s"],
            st["batched_txn"]["ms_per_file"],
            base,
        )
        lines.append(
            f"  (reading + parsing one CSV alone: {st['read_source_ms_per_file']:.2f} ms/file)"
        )
    lines.append(
        f"  scorecard ingest is {floor_rate / lib['ingest_rows_per_s']:.1f}x slower than the floor;"
        f" models_add {lib['models_add_s']['ms_per_model']:.2f} ms/model"
    )
    chunks = lib["chunks"]
    if len(chunks) >= 2:
        lines.append("  per chunk (floor written just before each chunk):")
        lines.append("    models  ingest rows/s  floor rows/s  floor/ingest")
        lines += [
            f"    {c['models_done']:6,} {c['ingest_rows_per_s']:14,.0f} "
            f"{c.get('floor_rows_per_s', 0):13,.0f} {c.get('floor_over_ingest', 0):13.1f}"
            for c in chunks
        ]
    return lines


def report_latency(result: dict[str, Any]) -> list[str]:
    small, large = result["latency_small"], result["latency_large"]
    lines = [
        "",
        f"Latency (median ms)      {small['models_in_db']:>8,} models {large['models_in_db']:>8,} "
        "models  large/small",
    ]
    for key, label in (
        ("score", "score (one model)"),
        ("show", "show (one model)"),
        ("history", f"history ({large['history_scorecards']} cards)"),
    ):
        a, b = small[key]["median_ms"], large[key]["median_ms"]
        lines.append(f"  {label:24s} {a:12.2f} {b:15.2f} {b / a:12.2f}")
    base = result["floor_point_read"]["median_ms"]
    lines.append(
        f"  baseline: sqlite3 SELECT of one model's {2 * ROWS_PER_FILE} rows: {base:.3f} ms; "
        f"score/baseline {large['score']['median_ms'] / base:,.0f}x"
    )
    plans = result["query_plans"]
    scans = [p for p in plans if p["full_scan"]]
    lines.append(
        f"  query plans (models_add, ingest, score, show, history) on the full db: {len(plans)} "
        f"distinct SELECTs, {len(scans)} full-table scans"
    )
    lines += [f"    SCAN: {p['sql'][:110]}  -> {p['plan']}" for p in scans]
    return lines


def report_other(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    av = result.get("audit_verify")
    if av:
        lines += [
            "",
            f"audit verify on the full db: {av['seconds']:.1f} s, {av['events']:,} events, "
            f"{av['records']:,} records, ok={av['ok']}, RSS {av['rss_before_mb']:,.0f} -> "
            f"{av['peak_rss_mb']:,.0f} MB peak",
        ]
    pr = result.get("profiles")
    if pr:
        ing = pr["ingest"]
        lines += [
            "",
            f"cProfile: {ing['files']} ingests, {ing['ms_per_file']:.2f} ms/file under the "
            "profiler; heaviest scorecard functions (cumulative share):",
        ]
        lines += [
            f"    {e['cum_share'] * 100:5.1f}%  {e['function']}"
            for e in scorecard_hotspots(ing["top_cumulative"], 10)
        ]
        lines.append("  score_model x10, heaviest scorecard functions:")
        lines += [
            f"    {e['cum_share'] * 100:5.1f}%  {e['function']}"
            for e in scorecard_hotspots(pr["score"]["top_cumulative"], 8)
        ]
    sizes = result["sizes"]
    lines += [
        "",
        f"db size: scorecard {sizes['scorecard_db_bytes'] / 1e6:,.0f} MB, floor "
        f"{sizes['floor_db_bytes'] / 1e6:,.0f} MB; total run {result['runtime_s']:,.0f} s; "
        f"load average at the end {result['load_average_end']}",
    ]
    return lines


def report(result: dict[str, Any]) -> str:
    return "\n".join(
        report_ingest(result) + report_latency(result) + report_other(result) + report_bulk(result)
    )


# --- Run ------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--models", type=int, default=10_000, help="models in the full db")
    parser.add_argument("--small-models", type=int, default=100, help="models in the small db")
    parser.add_argument("--runs", type=int, default=20, help="samples per latency")
    parser.add_argument("--history-cards", type=int, default=100)
    parser.add_argument(
        "--store-models",
        type=int,
        default=1000,
        help="models for the evidence.store measurement (capped at --models)",
    )
    parser.add_argument("--profile-files", type=int, default=200, help="ingests under cProfile")
    parser.add_argument(
        "--fill-budget",
        type=float,
        default=420.0,
        help="seconds for the library fill before stopping and extrapolating",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip audit verify")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results",
        help="folder for db_bench.json and the profiles, or a .json file",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp folder")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--bulk-files", type=int, default=10_000, help="files in the bulk back-fill measurement"
    )
    parser.add_argument("--bulk-runs", type=int, default=5)
    parser.add_argument(
        "--bulk-only", action="store_true", help="only the bulk back-fill measurement"
    )
    parser.add_argument(
        "--bulk-skip-ingest",
        action="store_true",
        help="without the `scorecard ingest FOLDER` reference side",
    )
    args = parser.parse_args()
    if args.models < 3 or args.small_models < 3:
        parser.error("--models and --small-models must be at least 3")
    return args


def run_ingest(args: argparse.Namespace, work: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Small db (baseline for latencies), one-txn floor, then the full db with the floor."""
    data = Dataset(args.models, work / "csv")
    gc.collect()
    gc.freeze()  # the dataset's tuples stay out of every GC pass during the timings
    small = min(args.small_models, args.models)
    log("writing CSV files ...")
    result["csv_write_s"] = data.write_csv()

    log(f"small db: {small} models through the library path ...")
    small_db = work / "small.db"
    small_url = sqlite_url(small_db)
    result["library_small"] = fill_library(small_url, data, small, None, small)
    small_setup = prepare(small_url, data, small, args.history_cards)

    ddl = evidence_ddl(small_db)  # the floor's table: exactly scorecard's evidence table
    log(f"floor: sqlite3 executemany of {data.total_rows:,} rows in one transaction ...")
    one_txn = floor_one_txn(data, ddl, work / "floor_one_txn.db")
    log(f"  {one_txn['rows_per_s']:,.0f} rows/s")

    log(
        f"full db: {args.models:,} models through the library path, each chunk preceded by the "
        "sqlite3 floor for the same rows (1 txn per file) ..."
    )
    big_db = work / "full.db"
    big_url = sqlite_url(big_db)
    floor_db = work / "floor_per_file.db"
    floor_writer = Floor(data, ddl, floor_db)
    chunk = max(1, min(1000, args.models // 10))
    lib = fill_library(big_url, data, args.models, args.fill_budget, chunk, floor_writer)
    result["floor"] = {
        "ddl": ddl,
        "db": str(floor_db),
        "per_file_txn": floor_writer.close(),
        "one_txn": one_txn,
        "note": "per_file_txn is written chunk by chunk, just before each scorecard chunk",
    }
    result["library"] = lib
    if not lib["complete"]:
        result["extrapolation"] = {
            "library_ingest_s": data.total_rows / lib["ingest_rows_per_s"],
            "library_models_add_s": lib["models_add_s"]["ms_per_model"] * args.models / 1000,
        }
    result["sizes"] = {
        "scorecard_db_bytes": file_sizes(big_db),
        "floor_db_bytes": result["floor"]["per_file_txn"]["db_bytes"],
    }
    return {
        "data": data,
        "small_url": small_url,
        "small_setup": small_setup,
        "big_db": big_db,
        "big_url": big_url,
        "ddl": ddl,
    }


def run_queries(args: argparse.Namespace, ctx: dict[str, Any], result: dict[str, Any]) -> None:
    data, big_url, models = ctx["data"], ctx["big_url"], result["library"]["models"]
    log("latencies, small and full db alternating ...")
    large_setup = prepare(big_url, data, models, args.history_cards)
    gc.collect()
    result["latency_small"], result["latency_large"] = latencies(
        [ctx["small_setup"], large_setup], args.runs
    )
    dispose(ctx["small_url"])
    result["floor_point_read"] = floor_point_read(
        Path(result["floor"]["db"]), models // 2 + 1, max(args.runs, 200)
    )
    result["query_plans"] = plans_for_commands(big_url, ctx["big_db"], data, models)
    floor_rate = result["floor"]["per_file_txn"]["rows_per_s"]
    ingest_rate = result["library"]["ingest_rows_per_s"]
    result["ratios"] = {
        "floor_over_library_ingest": floor_rate / ingest_rate,
        "library_ingest_over_floor": ingest_rate / floor_rate,
        **{
            f"{key}_large_over_small": result["latency_large"][key]["median_ms"]
            / result["latency_small"][key]["median_ms"]
            for key in ("score", "show", "history")
        },
        "score_over_sqlite3_point_read": result["latency_large"]["score"]["median_ms"]
        / result["floor_point_read"]["median_ms"],
    }
    if not args.no_verify:
        log("audit verify on the full db ...")
        gc.collect()
        rss_before = max_rss_mb()
        start = time.perf_counter()
        verified = command.audit_verify(S(big_url))
        result["audit_verify"] = {
            "seconds": time.perf_counter() - start,
            "events": verified.events,
            "records": verified.records,
            "ok": verified.ok,
            "problems": verified.problems[:5],
            "rss_before_mb": rss_before,
            "peak_rss_mb": max_rss_mb(),
        }


def run_extra(
    args: argparse.Namespace, ctx: dict[str, Any], result: dict[str, Any], out_dir: Path, work: Path
) -> None:
    data, big_url = ctx["data"], ctx["big_url"]
    if args.profile_files > 0:
        log(f"cProfile of {args.profile_files} ingests and 10 scores on the full db ...")
        result["profiles"] = profiles(big_url, data, out_dir, args.profile_files)
    dispose(big_url)
    store_models = min(args.store_models, args.models)
    if store_models >= 2:
        log(f"evidence.store with prebuilt SourceFile objects: {store_models} models ...")
        nearby = Floor(data, ctx["ddl"], work / "floor_nearby.db")
        nearby.write(0, store_models)
        store_url = sqlite_url(work / "store.db")
        result["store"] = fill_store(store_url, data, store_models, 100)
        nearby.write(0, store_models)  # again after, so both sides of the store run count
        result["store"]["floor_nearby"] = nearby.close()
        dispose(store_url)
        result["ratios"]["store_per_file_over_floor"] = (
            result["store"]["per_file_txn"]["rows_per_s"]
            / result["store"]["floor_nearby"]["rows_per_s"]
        )


def main() -> None:
    args = parse_args()
    out_file = args.out if args.out.suffix == ".json" else args.out / "db_bench.json"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="scorecard-db-bench-", dir=args.workdir))
    run_start = time.perf_counter()
    result: dict[str, Any] = {
        "config": {
            "models": args.models,
            "small_models": args.small_models,
            "rows_per_file": ROWS_PER_FILE,
            "stages": list(STAGES),
            "runs": args.runs,
            "history_cards": args.history_cards,
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_start": os.getloadavg(),
            "workdir": str(work),
        }
    }
    try:
        log(f"work folder {work}")
        if args.bulk_only:
            result["bulk"] = bulk(args, work)
            text = "\n".join(report_bulk(result)).strip()
            result["report"] = text
            out_file.write_text(json.dumps(result, indent=2, default=str) + "\n")
            print(text)
            print(f"\nwrote {out_file}")
            return
        try:
            ctx = run_ingest(args, work, result)
            run_queries(args, ctx, result)
            run_extra(args, ctx, result, out_file.parent, work)
            result["bulk"] = bulk(args, work)
        except BaseException as exc:  # keep what was measured before the failure
            result["error"] = f"{type(exc).__name__}: {exc}"
            result["runtime_s"] = time.perf_counter() - run_start
            partial = out_file.with_suffix(".partial.json")
            partial.write_text(json.dumps(result, indent=2, default=str) + "\n")
            log(f"failed; what was measured is in {partial}")
            raise
        result["runtime_s"] = time.perf_counter() - run_start
        result["load_average_end"] = tuple(round(x, 2) for x in os.getloadavg())
        text = report(result)
        result["report"] = text
        out_file.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(text)
        print(f"\nwrote {out_file}")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
