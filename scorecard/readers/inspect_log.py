"""Inspect AI logs: ``.eval`` archives and ``.json`` documents. Only the header is read.

An ``.eval`` file is a ZIP whose ``header.json`` holds the whole log without samples; only that
member is read (see ``ziparchive``), whatever the number of samples behind it. Since 2026 its
members are zstd-compressed (ZIP method 93), which Python 3.11's ``zipfile`` cannot read. A run
that never finished has only ``_journal/start.json``; very old logs keep ``start.json`` and
``results.json`` at the root. A ``.json`` log is read only up to its ``samples`` array.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from scorecard.core.evidence import Evidence, SourceRef
from scorecard.errors import InputError
from scorecard.readers import checks, ziparchive
from scorecard.readers.interface import SourceFile, digest, file_digest
from scorecard.readers.jsonhead import head_of, read_head

MAX_HEADER_BYTES = 64 << 20
MAX_DIRECTORY_BYTES = 64 << 20  # a central directory entry per sample: large logs need room
_INCOMPLETE = ("started", "cancelled", "error")
_ARCHIVE_ERRORS = (ValueError, struct.error, OverflowError, EOFError, OSError, zlib.error)
# Metrics whose uncertainty Inspect's `stderr` metric describes (the mean score).
_WITH_STDERR = frozenset({"accuracy", "mean"})


def read_eval(path: Path, stage: str | None, *, allow_incomplete: bool = False) -> SourceFile:
    known = checks.required_stage(path, stage)
    with _opened(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > WHOLE_FILE_BYTES:
            header = _eval_header(path, handle)
            return _source(path, "inspect-eval", header, known, allow_incomplete)
        # A small log is read once: header and sha256 from the same bytes.
        data = handle.read()
    header = _eval_header(path, io.BytesIO(data))
    return _source(path, "inspect-eval", header, known, allow_incomplete, data)


def read_json(path: Path, stage: str | None, *, allow_incomplete: bool = False) -> SourceFile:
    known = checks.required_stage(path, stage)
    with _opened(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        data = handle.read() if size <= WHOLE_FILE_BYTES else None
    if data is None:
        header = read_head(path, MAX_HEADER_BYTES, checks.parse_constant)
    else:
        header = head_of(path, data, MAX_HEADER_BYTES, checks.parse_constant)
    return _source(path, "inspect-json", header, known, allow_incomplete, data)


def read_bytes(
    path: Path, data: bytes, kind: str, stage: str | None, allow_incomplete: bool
) -> SourceFile:
    """A log already read whole (``kind`` inspect-eval or inspect-json), not read again."""
    known = checks.required_stage(path, stage)
    if kind == "inspect-eval":
        header = _eval_header(path, io.BytesIO(data))
    else:
        header = head_of(path, data, MAX_HEADER_BYTES, checks.parse_constant)
    return _source(path, kind, header, known, allow_incomplete, data)


WHOLE_FILE_BYTES = 16 << 20
"""Logs up to this size are read in one go (their sha256 needs every byte anyway); larger ones
are read where needed and hashed as a stream."""


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    try:
        with path.open("rb") as handle:
            yield handle
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


_MEMBERS = ("header.json", "results.json", "start.json", "_journal/start.json")
_DECODER = json.JSONDecoder(parse_constant=checks.parse_constant)


def _json_object(path: Path, data: bytes, name: str) -> dict[str, Any]:
    """``checks.json_object`` with one decoder for the process (making one per call costs as
    much as parsing a small header); anything unusual goes the checked way, for its message."""
    try:
        value = _DECODER.decode(data.decode("utf-8"))
    except (ValueError, RecursionError):
        value = None
    return value if isinstance(value, dict) else checks.json_object(path, data, name)


def _eval_header(path: Path, archive: BinaryIO | None = None) -> dict[str, Any]:
    if archive is None:
        with _opened(path) as handle:
            return _eval_header(path, handle)
    try:
        members = ziparchive.find_members(archive, _MEMBERS, MAX_DIRECTORY_BYTES)

        def load(name: str) -> dict[str, Any]:
            data = ziparchive.read_member(archive, members[name], MAX_HEADER_BYTES)
            return _json_object(path, data, name)

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
    path: Path,
    fmt: str,
    header: dict[str, Any],
    stage: str,
    allow_incomplete: bool,
    data: bytes | None = None,
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
        sha256=file_digest(path) if data is None else digest(data),
        size=path.stat().st_size if data is None else len(data),
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
    for i, entry in enumerate(scores):
        if not isinstance(entry, dict):
            checks.mapping(path, f"results.scores[{i}]", entry)  # raises, naming it
    headline = checks.optional_mapping(results.get("headline"))
    primary = _headline_entry(scores, headline)
    evidence: list[Evidence] = []
    used: set[str] = set()
    ref = SourceRef(file=str(path))
    for i, entry in enumerate(scores):
        where = f"results.scores[{i}]"
        name = _str(entry.get("name")) or f"score{i}"
        reducer = entry.get("reducer")
        key = f"{name}[{reducer}]" if isinstance(reducer, str) else name
        if key in used:  # two entries with one name and no reducer: keep both, numbered
            key = f"{key}#{i}"
        used.add(key)
        metrics = entry.get("metrics", {})
        if not isinstance(metrics, dict):
            checks.mapping(path, f"{where}.metrics", metrics)  # raises
        values: dict[str, float] = {}
        stderr: float | None = None
        for metric, body in metrics.items():
            if not isinstance(body, dict):
                checks.mapping(path, f"{where}.metrics.{metric}", body)  # raises
            if metric == "stderr":  # NaN (one sample) means there is none, not a broken log
                stderr = checks.stderr_value(path, where, body.get("value"))
                if stderr is not None:
                    values[metric] = stderr
                continue
            values[metric] = checks.metric_value(path, where, metric, body.get("value"))
        for metric, value in values.items():
            attach = stderr if metric in _WITH_STDERR else None
            scoped = checks.metric_name(path, where, f"{key}/{metric}")
            # The headline scorer's metrics also by their plain names, first.
            names = (metric, scoped) if i == primary and metric != "stderr" else (scoped,)
            for m in names:
                evidence.append(
                    Evidence(
                        stage=stage,
                        task=task,
                        metric=m,
                        value=value,
                        stderr=attach,
                        n_samples=n_samples,
                        source=ref,
                    )
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
