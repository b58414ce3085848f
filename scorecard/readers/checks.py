"""Checks on the numbers logs carry: finite values, rates in [0, 1], sane counts and errors.

A metric value that is not a finite number is refused (the file is rejected, naming the
metric). A standard error that is missing, ``"N/A"`` or NaN simply means "no stderr": tools
write NaN when a single sample leaves the error undefined.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from scorecard.core.evidence import MAX_COUNT, MAX_METRIC_LENGTH, MAX_TASK_LENGTH
from scorecard.errors import InputError

RATE_METRICS = frozenset(
    {
        "accuracy",
        "acc",
        "acc_norm",
        "exact_match",
        "em",
        "f1",
        "precision",
        "recall",
        "pass_at_1",
        "pass@1",
        "pass_rate",
        "solve_rate",
        "win_rate",
        "success_rate",
    }
)
"""Metrics that are fractions by definition; a value outside [0, 1] means a broken log."""


def parse_constant(name: str) -> float:
    """Let NaN and Infinity through the JSON parser so the checks below can name the field."""
    return float(name)


def json_object(path: Path, data: bytes, where: str | None = None) -> dict[str, Any]:
    """``data`` parsed as a JSON object; any failure is one error naming the file (and member)."""
    prefix = f"{path}: {where}" if where else str(path)
    try:
        value = json.loads(data, parse_constant=parse_constant)
    except RecursionError:
        raise InputError(f"{prefix}: JSON nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{prefix}: not valid JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(value, dict):
        raise InputError(f"{prefix}: expected a JSON object at the top level")
    return value


def metric_value(path: Path, where: str, metric: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{path}: {where}: {metric} = {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"{path}: {where}: {metric} = {value} is not finite")
    base = metric.rsplit("/", 1)[-1].split(",", 1)[0]
    if base in RATE_METRICS and not 0.0 <= number <= 1.0:
        raise InputError(f"{path}: {where}: {metric} = {number} is outside [0, 1]")
    return number


def stderr_value(path: Path, where: str, value: Any) -> float | None:
    if value is None or value == "N/A":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{path}: {where}: stderr {value!r} is not a number")
    number = float(value)
    if math.isnan(number):
        return None
    if not math.isfinite(number) or number < 0:
        raise InputError(f"{path}: {where}: stderr {value} is not a finite, non-negative number")
    return number


def sample_count(path: Path, where: str, value: Any) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not value.is_integer())
    ):
        raise InputError(f"{path}: {where}: sample count {value!r} is not a whole number")
    if value < 0:
        raise InputError(f"{path}: {where}: sample count {value} is negative")
    if value > MAX_COUNT:
        raise InputError(f"{path}: {where}: sample count {value} is implausibly large")
    return int(value)


def optional_mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one (for optional metadata)."""
    return value if isinstance(value, dict) else {}


def mapping(path: Path, where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{path}: {where}: expected an object, got {type(value).__name__}")
    return value


def text(path: Path, where: str, value: Any, max_length: int = 10_000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{path}: {where}: expected a non-empty string")
    if len(value) > max_length:
        raise InputError(f"{path}: {where}: longer than {max_length} characters")
    return value


def task_name(path: Path, where: str, value: Any) -> str:
    return text(path, where, value, MAX_TASK_LENGTH)


def metric_name(path: Path, where: str, value: str) -> str:
    if len(value) > MAX_METRIC_LENGTH:
        raise InputError(f"{path}: {where}: metric name longer than {MAX_METRIC_LENGTH} characters")
    return value


def required_stage(path: Path, stage: str | None) -> str:
    """The stage a log's evidence belongs to: logs do not say it themselves."""
    if stage is None:
        raise InputError(f"{path}: a log does not say which stage it measures: name the stage")
    return stage
