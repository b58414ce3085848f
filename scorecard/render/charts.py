"""One SVG chart per category: each indicator's pre and post values against its thresholds.

Drawn here rather than by a plotting library: the charts are simple, must embed as vector
graphics in a PDF/A, and every label (task names come from logs) is escaped.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

WIDTH = 640
LABEL_W = 200
PLOT_X = LABEL_W + 10
PLOT_W = WIDTH - PLOT_X - 20
ROW_H = 34
STAGE_COLORS = {"pre": "#37474f", "post": "#90a4ae"}
_RANGES = {"rate": (0.0, 1.0), "percent": (0.0, 100.0), "percentile": (0.0, 100.0)}


def category_chart(
    category: dict[str, Any],
    indicators: list[dict[str, Any]],
    stages: list[str],
    level_colors: dict[str, str],
) -> Markup:
    """``indicators``: the pack's measured indicators of the category (with thresholds, unit);
    ``category``: the category's result (per stage, each indicator's value and interval)."""
    rows = []
    for indicator in indicators:
        per_stage = {}
        for stage in stages:
            found = next(
                (
                    r
                    for r in category["stages"][stage]["indicators"]
                    if r["id"] == indicator["id"] and r["value"] is not None
                ),
                None,
            )
            if found is not None:
                per_stage[stage] = found
        if per_stage:
            rows.append((indicator, per_stage))
    if not rows:
        return Markup("")
    height = 28 + ROW_H * len(rows) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" class="chart">'
    ]
    parts.append(_legend(stages, level_colors))
    for i, (indicator, per_stage) in enumerate(rows):
        parts.append(_row(28 + i * ROW_H, indicator, per_stage, stages, level_colors))
    parts.append("</svg>")
    # Safe: every piece of text in the SVG went through escape() above; the rest is numbers.
    return Markup("".join(parts))  # noqa: S704


def _scale(indicator: dict[str, Any], per_stage: dict[str, dict[str, Any]]) -> tuple[float, float]:
    if indicator["unit"] in _RANGES:
        return _RANGES[indicator["unit"]]
    values = [*indicator["thresholds"].values(), *(r["value"] for r in per_stage.values())]
    values += [r["interval"][1] for r in per_stage.values() if r.get("interval")]
    low = min(0.0, *values)
    high = max(values) * 1.1 or 1.0
    return low, high


def _row(
    y: int,
    indicator: dict[str, Any],
    per_stage: dict[str, dict[str, Any]],
    stages: list[str],
    level_colors: dict[str, str],
) -> str:
    low, high = _scale(indicator, per_stage)

    def x(value: float) -> float:
        span = high - low or 1.0
        return PLOT_X + PLOT_W * (min(max(value, low), high) - low) / span

    out = [
        f'<text x="0" y="{y + 14}" font-size="10" class="label">'
        f"{escape(_short(indicator['id'], 30))}</text>",
        f'<line x1="{PLOT_X}" y1="{y + 22}" x2="{PLOT_X + PLOT_W}" y2="{y + 22}" '
        'stroke="#bbb" stroke-width="0.6"/>',
    ]
    for level, value in indicator["thresholds"].items():
        color = level_colors.get(level, "#777")
        out.append(
            f'<line x1="{x(value):.1f}" y1="{y}" x2="{x(value):.1f}" y2="{y + 24}" '
            f'stroke="{color}" stroke-width="1.6" stroke-dasharray="3,2"/>'
        )
        out.append(
            f'<text x="{x(value):.1f}" y="{y + 31}" font-size="7" text-anchor="middle" '
            f'fill="{color}">{escape(level)} {value:g}</text>'
        )
    for i, stage in enumerate(stages):
        result = per_stage.get(stage)
        if result is None:
            continue
        top = y + 4 + i * 8
        out.append(
            f'<rect x="{PLOT_X}" y="{top}" width="{max(x(result["value"]) - PLOT_X, 1):.1f}"'
            f' height="7" fill="{STAGE_COLORS.get(stage, "#607d8b")}"/>'
        )
        if result.get("interval"):
            a, b = result["interval"]
            out.append(
                f'<line x1="{x(a):.1f}" y1="{top + 3.5}" x2="{x(b):.1f}" y2="{top + 3.5}" '
                'stroke="#000" stroke-width="0.8"/>'
            )
        out.append(
            f'<text x="{min(x(result["value"]) + 4, WIDTH - 30):.1f}" y="{top + 6.5}" '
            f'font-size="7">{result["value"]:.3g}</text>'
        )
    return "".join(out)


def _legend(stages: list[str], level_colors: dict[str, str]) -> str:
    out = []
    at = PLOT_X
    for stage in stages:
        out.append(
            f'<rect x="{at}" y="6" width="10" height="7" '
            f'fill="{STAGE_COLORS.get(stage, "#607d8b")}"/>'
            f'<text x="{at + 14}" y="13" font-size="8">{escape(stage)}</text>'
        )
        at += 60
    out.append(
        f'<text x="{at}" y="13" font-size="8" fill="#555">dashed: thresholds; '
        "whiskers: confidence interval</text>"
    )
    del level_colors
    return "".join(out)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
