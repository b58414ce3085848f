"""The inputs to scoring: evidence items (measured results) and judgments (human ratings)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_COUNT = 2**31 - 1
"""The largest sample count accepted: what every backend's integer column holds (more than two
billion samples in one evaluation means a broken input)."""
MAX_TASK_LENGTH = 300
MAX_METRIC_LENGTH = 200
MAX_CITATION_LENGTH = 2000


class SourceRef(BaseModel):
    """Where an input came from, so every error and rationale can point at it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    row: int | None = None

    def __str__(self) -> str:
        return f"{self.file}, line {self.row}" if self.row is not None else self.file


class Evidence(BaseModel):
    """One measured result: a metric of one evaluation task, for one stage of the model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str
    task: str = Field(max_length=MAX_TASK_LENGTH)
    metric: str = Field(max_length=MAX_METRIC_LENGTH)
    value: float = Field(allow_inf_nan=False)
    stderr: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
    n_samples: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    source: SourceRef | None = None
    citation: str | None = Field(default=None, max_length=MAX_CITATION_LENGTH)
    """Where a number taken from a publication comes from (a URL, a document and page)."""


class Judgment(BaseModel):
    """A level set by a named person, with the reason.

    ``kind="level"`` rates a category (or one of its indicators, when ``indicator`` is set). A
    level judgment can always raise a level; lowering a computed level takes ``override=True``.
    ``kind="safeguards"`` records that the safeguards for a category were judged sufficient up
    to ``level``: frameworks whose gates admit safeguards (v2) read it, others ignore it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str
    stage: str
    level: str
    by: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    indicator: str | None = None
    override: bool = False
    kind: Literal["level", "safeguards"] = "level"
    source: SourceRef | None = None


Policy = Literal["point", "upper-ci"]

"""How a measured value is rated: its point estimate, or (precautionary) the upper end of its
confidence interval in the risky direction."""
