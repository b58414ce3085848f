"""lm-evaluation-harness ``results_*.json``: ``results.<task>`` with ``"<metric>,<filter>"`` keys.

A metric's standard error is its ``"<metric>_stderr,<filter>"`` companion (``"N/A"``: none).
Metrics under the default filter ``none`` keep their plain name (``acc``); others keep the
filter (``exact_match,strict-match``) so two filters of one metric never collide.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorecard.core.evidence import Evidence, SourceRef
from scorecard.errors import InputError
from scorecard.readers import checks
from scorecard.readers.interface import SourceFile, digest
from scorecard.readers.rows import read_bytes

MAX_RESULTS_BYTES = 64 << 20


def read(path: Path, stage: str | None, *, allow_incomplete: bool = False) -> SourceFile:
    stage = checks.required_stage(path, stage)
    data = read_bytes(path, MAX_RESULTS_BYTES)
    document = checks.json_object(path, data)
    results = checks.mapping(path, "results", document.get("results"))
    n_samples = checks.optional_mapping(document.get("n-samples"))
    evidence: list[Evidence] = []
    for task, raw in results.items():
        body = checks.mapping(path, f"results.{task}", raw)
        checks.task_name(path, f"results.{task[:40]}", task)
        counts = checks.optional_mapping(n_samples.get(task))
        count = checks.sample_count(
            path,
            f"n-samples.{task}.effective",
            counts.get("effective", counts.get("original", body.get("sample_len"))),
        )
        for key, value in body.items():
            if "," not in key or "_stderr," in key:
                continue  # aliases, names, sample lengths and the stderr companions
            metric, _, filter_name = key.partition(",")
            name = checks.metric_name(
                path, f"results.{task}", metric if filter_name == "none" else key
            )
            where = f"results.{task}"
            evidence.append(
                Evidence(
                    stage=stage,
                    task=task,
                    metric=name,
                    value=checks.metric_value(path, where, name, value),
                    stderr=checks.stderr_value(
                        path, where, body.get(f"{metric}_stderr,{filter_name}")
                    ),
                    n_samples=count,
                    source=SourceRef(file=str(path)),
                )
            )
    if not evidence:
        raise InputError(f"{path}: results has no metrics: nothing to ingest")
    config = checks.optional_mapping(document.get("config"))
    model_args = config.get("model_args")
    pretrained = model_args.get("pretrained") if isinstance(model_args, dict) else None
    log_model = document.get("model_name") or pretrained or config.get("model")
    created = _created(document.get("date"))
    metadata = {
        "lm_eval_version": document.get("lm_eval_version"),
        "git_hash": document.get("git_hash"),
        "model_source": document.get("model_source") or config.get("model"),
        "versions": document.get("versions"),
        "n_shot": document.get("n-shot"),
        "task_hashes": document.get("task_hashes") or None,
        "complete": True,
    }
    return SourceFile(
        path=path,
        format="lm-eval",
        sha256=digest(data),
        size=len(data),
        evidence=evidence,
        log_model=log_model if isinstance(log_model, str) else None,
        eval_created=created,
        metadata={k: v for k, v in metadata.items() if v is not None},
    )


def _created(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return None
