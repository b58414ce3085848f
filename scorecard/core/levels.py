"""An ordered level scale (e.g. low < medium < high < critical) and comparisons on it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

NOT_ASSESSED = "not_assessed"
"""What is shown in place of a level when a category has no usable evidence or judgment."""


class Scale:
    """The ordered levels of one framework, lowest first."""

    def __init__(self, levels: Sequence[str]) -> None:
        if not levels:
            raise ValueError("a level scale needs at least one level")
        self.levels: tuple[str, ...] = tuple(levels)
        self._rank = {level: i for i, level in enumerate(self.levels)}
        if len(self._rank) != len(self.levels):
            raise ValueError("level ids must be unique")

    def __contains__(self, level: object) -> bool:
        return level in self._rank

    @property
    def floor(self) -> str:
        """The lowest level: what an indicator shows below its first threshold."""
        return self.levels[0]

    def rank(self, level: str) -> int:
        return self._rank[level]

    def max(self, levels: Iterable[str]) -> str | None:
        """The highest of ``levels``, or None when there are none."""
        best: str | None = None
        for level in levels:
            if best is None or self._rank[level] > self._rank[best]:
                best = level
        return best

    def at_most(self, level: str, bound: str) -> bool:
        return self._rank[level] <= self._rank[bound]

    def at_least(self, level: str, bound: str) -> bool:
        return self._rank[level] >= self._rank[bound]

    def above(self, level: str) -> tuple[str, ...]:
        """The levels strictly above ``level``, in order."""
        return self.levels[self._rank[level] + 1 :]
