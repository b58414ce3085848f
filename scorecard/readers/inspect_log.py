"""Inspect AI logs: ``.eval`` archives and ``.json`` documents. Only the header is read.

An ``.eval`` file is a ZIP whose ``header.json`` holds the whole log without samples; only that
member is read (see ``ziparchive``), whatever the number of samples behind it. Since 2026 its
members are zstd-compressed (ZIP method 93), which Python 3.11's ``zipfile`` cannot read. A run
that never finished has only ``_journal/start.json``; very old logs keep ``start.json`` and
``results.json`` at the root. A ``.json`` log is read only up to its ``samples`` array.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from scorecard.core.evidence import Evidence, SourceRef
from scorecard.errors import InputError
from scorecard.readers import checks, ziparchive
from scorecard.readers.interface import SourceFile, file_digest
from scorecard.readers.jsonhead import read_head

MAX_HEADER_BYTES = 64 << 20
MAX_DIRECTORY_BYTES = 64 << 20  # a central directory entry per sample: large logs need room
_INCOMPLETE = ("started", "cancelled", "error")
_ARCHIVE_ERRORS = (ValueError, struct.error, OverflowError, EOFError, OSError, zlib.error)
# Metrics whose uncertainty Inspect's `stderr` metric describes (the mean score).
_WITH_STDERR = frozenset({"accuracy", "mean"})


def read_eval(path: Path, stage: str | None, *, allow_incomplete: bool = False) -> SourceFile:
    known = checks.required_stage(path, stage)
    header = _eval_header(path)
    return _source(path, "inspect-eval", header, known, allow_incomplete)


def read_json(path: Path, stage: str | None, *, allow_incomplete: bool = False) -> SourceFile:
    known = checks.required_stage(path, stage)
    header = read_head(path, MAX_HEADER_BYTES, checks.parse_constant)
    return _source(path, "inspect-json", header, known, allow_incomplete)


_MEMBERS = ("header.json", "results.json", "start.json", "_journal/start.json")


def _eval_header(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            members = ziparchive.find_members(handle, _MEMBERS, MAX_DIRECTORY_BYTES)

            def load(name: str) -> dict[str, Any]:
                data = ziparchive.read_member(handle, members[name], MAX_HEADER_BYTES)
                return checks.json_object(path, data, name)

            if "header.json" in members:
                return load("header.json")
            if "results.json" in members:  # the oldest layout: start and results at the root
                start = load("start.json") if "start.json" in members else {}
                results = load("results.json")
                if "scores" in results and "results" not in results:
                    results = {"results": results}
                return {"status": "success", **start, **results}
            if "_journal/start.json" in members:  # the run crashed or is still running
                return {**load("_journal/start.json"), "status": "started"}
    except ziparchive.ArchiveError as exc:
        raise InputError(f"{path}: not a readable .eval archive: {exc}") from None
    except _ARCHIVE_ERRORS as exc:
        # A hostile archive can trip struct, zlib or OS errors at any offset: all mean corrupt.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable .eval archive ({reason})") from None
    raise InputError(f"{path}: no header.json or _journal/start.json: not an Inspect log")


def _source(
    path: Path, fmt: str, header: dict[str, Any], stage: str, allow_incomplete: bool
) -> SourceFile:
    status = header.get("status")
    if status not in ("success", *_INCOMPLETE):
        raise InputError(f"{path}: unknown log status {status!r}: not an Inspect log?")
    version = header.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise InputError(f"{path}: version {version!r} is not a schema version")
    if status != "success" and not allow_incomplete:
        error = header.get("error")
        reason = (
            f" ({error.get('message')})" if isinstance(error, dict) and error.get("message") else ""
        )
        raise InputError(
            f"{path}: the run's status is {status!r}{reason}: refused (ingest it with "
            "incomplete runs allowed, to store it flagged as incomplete)"
        )
    spec = checks.mapping(path, "eval", header.get("eval"))
    task = checks.task_name(path, "eval.task", spec.get("task"))
    results = header.get("results")
    if results is None and status == "success":
        raise InputError(f"{path}: no results section: nothing to ingest")
    # An unfinished run may have no results; taken with --allow-incomplete it is recorded
    # (with no evidence) so the record shows the run happened and how it ended.
    results = checks.mapping(path, "results", {} if results is None else results)
    completed = checks.sample_count(
        path, "results.completed_samples", results.get("completed_samples")
    )
    total = checks.sample_count(path, "results.total_samples", results.get("total_samples"))
    evidence = _evidence(path, task, stage, results, completed if completed is not None else total)
    if not evidence and status == "success":
        raise InputError(f"{path}: results has no scores: nothing to ingest")
    error = checks.optional_mapping(header.get("error"))
    config = checks.optional_mapping(spec.get("config"))
    dataset = checks.optional_mapping(spec.get("dataset"))
    revision = checks.optional_mapping(spec.get("revision"))
    metadata = {
        "status": status,
        "complete": status == "success",
        "schema_version": version,
        "task_registry_name": spec.get("task_registry_name"),
        "task_id": spec.get("task_id"),
        "task_version": spec.get("task_version"),
        "epochs": config.get("epochs"),
        "dataset": dataset.get("name"),
        "dataset_samples": dataset.get("samples"),
        "revision_commit": revision.get("commit"),
        "total_samples": total,
        "completed_samples": completed,
        "headline": results.get("headline"),
        "packages": spec.get("packages"),
        "error": error.get("message"),
    }
    return SourceFile(
        path=path,
        format=fmt,
        sha256=file_digest(path),
        size=path.stat().st_size,
        evidence=evidence,
        log_model=_str(spec.get("model")),
        eval_run_id=_str(spec.get("run_id")),
        eval_id=_str(spec.get("eval_id")),
        eval_created=_str(spec.get("created")),
        metadata={k: v for k, v in metadata.items() if v is not None},
    )


def _evidence(
    path: Path, task: str, stage: str, results: dict[str, Any], n_samples: int | None
) -> list[Evidence]:
    scores = results.get("scores") or []
    if not isinstance(scores, list):
        raise InputError(f"{path}: results.scores: expected a list")
    entries = [checks.mapping(path, f"results.scores[{i}]", s) for i, s in enumerate(scores)]
    headline = checks.optional_mapping(results.get("headline"))
    primary = _headline_entry(entries, headline)
    evidence: list[Evidence] = []
    used: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"results.scores[{i}]"
        name = _str(entry.get("name")) or f"score{i}"
        key = f"{name}[{entry['reducer']}]" if isinstance(entry.get("reducer"), str) else name
        if key in used:  # two entries with one name and no reducer: keep both, numbered
            key = f"{key}#{i}"
        used.add(key)
        metrics = checks.mapping(path, f"{where}.metrics", entry.get("metrics", {}))
        values: dict[str, float] = {}
        for metric, raw in metrics.items():
            body = checks.mapping(path, f"{where}.metrics.{metric}", raw)
            if metric == "stderr":  # NaN (one sample) means there is none, not a broken log
                error = checks.stderr_value(path, where, body.get("value"))
                if error is not None:
                    values[metric] = error
                continue
            values[metric] = checks.metric_value(path, where, metric, body.get("value"))
        stderr_body = checks.optional_mapping(metrics.get("stderr"))
        stderr = checks.stderr_value(path, where, stderr_body.get("value"))
        for metric, value in values.items():
            attach = stderr if metric in _WITH_STDERR else None
            names = [checks.metric_name(path, where, f"{key}/{metric}")]
            if i == primary and metric != "stderr":
                names.insert(0, metric)  # the headline scorer's metrics by their plain names
            evidence.extend(
                Evidence(
                    stage=stage,
                    task=task,
                    metric=m,
                    value=value,
                    stderr=attach,
                    n_samples=n_samples,
                    source=SourceRef(file=str(path)),
                )
                for m in names
            )
    return evidence


def _headline_entry(entries: list[dict[str, Any]], headline: dict[str, Any]) -> int:
    for i, entry in enumerate(entries):
        if entry.get("name") == headline.get("score") and (
            "reducer" not in headline or entry.get("reducer") == headline.get("reducer")
        ):
            return i
    return 0


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
