"""Units at the door: is a value possible for the unit its indicator declares, and plausible?

A value outside its unit's range (46 for a rate) is impossible: ingest refuses the batch and
says what was probably meant. A value inside the range but far below the scale the unit
implies (0.85 for a percentile) is possible but suspicious: scoring warns, because such a
slip lowers a level silently. So does a value outside the indicator's declared plausible range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from scorecard.core.evidence import Evidence
from scorecard.core.framework import UNIT_RANGES, Framework, Indicator

_HUNDREDTHS = ("percent", "percentile")


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.6g}"


def scale_text(indicator: Indicator) -> str:
    """``a rate in [0, 1]``: the unit and its range, as messages say it."""
    low, high = UNIT_RANGES[indicator.unit]
    article = "an" if indicator.unit[0] in "aeiou" else "a"
    return f"{article} {indicator.unit} in [{_fmt(low)}, {_fmt(high)}]"


def hint(indicator: Indicator, value: float) -> str | None:
    """What an impossible ``value`` probably meant (``did you mean 0.46?``), if anything."""
    if indicator.unit == "rate" and 1 < value <= 100:
        return f"did you mean {_fmt(value / 100)}?"
    if indicator.unit in _HUNDREDTHS and 100 < value <= 10_000:
        return f"did you mean {_fmt(value / 100)}?"
    return None


def impossible(indicator: Indicator, value: float) -> str | None:
    """Why ``value`` cannot be a value of the indicator's unit, with a hint; None if it can."""
    low, high = UNIT_RANGES[indicator.unit]
    if low <= value <= high:
        return None
    return f"{_fmt(value)} for {scale_text(indicator)}: {hint(indicator, value) or 'out of range'}"


def suspicious(indicator: Indicator, value: float) -> str | None:
    """Why a possible ``value`` looks like a unit slip or an implausible result; None if not."""
    if impossible(indicator, value) is not None:
        return None
    if indicator.unit in _HUNDREDTHS and 0 < value <= 1:
        return (
            f"{_fmt(value)} for {scale_text(indicator)} is far below its scale: did you mean "
            f"{_fmt(value * 100)}?"
        )
    if indicator.plausible is not None:
        lo, hi = indicator.plausible
        if not lo <= value <= hi:
            return f"{_fmt(value)} is outside the plausible range [{_fmt(lo)}, {_fmt(hi)}]"
    return None


def refusals(framework: Framework, evidence: Iterable[Evidence]) -> list[str]:
    """One message per evidence row whose value its framework indicator's unit cannot hold."""
    readers = framework.readers()
    messages: list[str] = []
    for item in evidence:
        for category_id, indicator_id in readers.get((item.task.lower(), item.metric), []):
            category = framework.category(category_id)
            indicator = category.indicator(indicator_id) if category else None
            if indicator is None:
                continue
            problem = impossible(indicator, item.value)
            if problem is not None:
                where = f"{item.source}: " if item.source else ""
                messages.append(
                    f"{where}{item.task}/{item.metric} ({category_id}/{indicator_id}): {problem}"
                )
                break
    return messages
