"""Shared fixtures: the bundled frameworks, pack copies to break, and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecard import packs
from scorecard.core.evidence import Evidence, Judgment
from scorecard.core.framework import Framework
from scorecard.resources import data_dir


@pytest.fixture(scope="session")
def v1() -> Framework:
    return packs.load("preparedness-v1")


@pytest.fixture(scope="session")
def v2() -> Framework:
    return packs.load("preparedness-v2")


@pytest.fixture
def pack_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A writable copy of a bundled pack, to break on purpose."""

    def copy(pack_id: str = "preparedness-v1") -> Path:
        target = tmp_path / "packs" / pack_id
        shutil.copytree(data_dir("categories") / pack_id, target)
        return target

    return copy


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def ev(
    task: str,
    value: float,
    stage: str = "pre",
    metric: str = "accuracy",
    stderr: float | None = None,
) -> Evidence:
    return Evidence(stage=stage, task=task, metric=metric, value=value, stderr=stderr)


def judged(
    category: str,
    level: str,
    stage: str = "pre",
    *,
    override: bool = False,
    indicator: str | None = None,
    by: str = "Reviewer",
    kind: str = "level",
) -> Judgment:
    return Judgment(
        category=category,
        stage=stage,
        level=level,
        by=by,
        rationale="because",
        override=override,
        indicator=indicator,
        kind=kind,
    )  # type: ignore[arg-type]


def full_evidence(
    stage: str, cyber: float = 0.0, bio: float = 0.0, cmv: float = 10.0, swe: float = 0.0
) -> list[Evidence]:
    """One reading per v1 category, so every category is assessed."""
    return [
        ev("ctf_professional", cyber, stage),
        ev("biorisk_expert_comparison", bio, stage),
        ev("changemyview", cmv, stage, metric="percentile"),
        ev("swe_bench_verified", swe, stage),
    ]
