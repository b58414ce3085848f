"""The card as HTML: the document the PDF is printed from, or one standalone file.

Every template is autoescaped and undefined names are errors: text from logs and from people
(task names, rationales, model names) is shown as text, never interpreted as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from scorecard import packs
from scorecard.core.process import ROLE_LABELS
from scorecard.files import write_atomic
from scorecard.render.charts import category_chart
from scorecard.resources import data_dir

_STAGE_LABELS = {"pre": "Pre-mitigation", "post": "Post-mitigation"}


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(data_dir("templates"))),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_escape
    return env


def markdown_escape(value: Any) -> str:
    from scorecard.render.markdown import escape

    return escape(value)


def view(card: dict[str, Any]) -> dict[str, Any]:
    """What the templates show, derived from the card data alone."""
    framework = packs.load_files(card["framework"]["files"], "attached framework")
    result = card["scorecard"]["result"]
    colors = {level.id: level.color for level in framework.header.levels}
    labels = {level.id: level.label for level in framework.header.levels}
    stage_labels = {s.id: s.label for s in framework.header.stages}
    stages = result["stages"]

    def badge(level: str | None, *, large: bool = False, overridden: bool = False) -> Markup:
        if level is None or level == "not_assessed":
            return Markup('<span class="badge none{}">NOT ASSESSED</span>').format(
                " large" if large else ""
            )
        style = f"background: {colors.get(level, '#999')}"
        flag = Markup(' <span class="flag">⚑</span>') if overridden else Markup("")
        return Markup('<span class="badge{}" style="{}">{}</span>{}').format(
            " large" if large else "", style, labels.get(level, level).upper(), flag
        )

    sources = {s["id"]: s for s in card["sources"]}
    rows_per_source: dict[int, int] = {}
    for e in card["evidence"]:
        rows_per_source[e["source_id"]] = rows_per_source.get(e["source_id"], 0) + 1
    categories = []
    for category_result in result["categories"]:
        pack = framework.category(category_result["id"])
        assert pack is not None
        measured = [i.model_dump() for i in pack.indicators if i.kind == "measured"]
        categories.append(
            {
                "id": category_result["id"],
                "name": category_result["name"],
                "tracked": category_result["tracked"],
                "description": pack.description,
                "definitions": pack.levels,
                "thresholds_rationale": " ".join(pack.thresholds_rationale.split()),
                "stages": category_result["stages"],
                "brief": {s: _brief(category_result["stages"][s]) for s in stages},
                "chart": category_chart(category_result, measured, stages, colors),
                "indicator_rows": _indicator_rows(category_result, stages),
                "coverage": {s: _coverage(category_result["stages"][s]) for s in stages},
                "not_evaluated": _not_evaluated(pack, category_result, stages),
                "judgments": [
                    {
                        **j,
                        "kind_text": "safeguards judged sufficient up to"
                        if j["kind"] == "safeguards"
                        else "rated",
                    }
                    for j in card["judgments"]
                    if j["category"] == category_result["id"] and not j.get("withdrawn")
                ],
                "mitigations": [
                    m for m in card["mitigations"] if m["category"] == category_result["id"]
                ],
            }
        )
    return {
        "model": card["model"],
        "tool": card["tool"],
        "framework": card["framework"],
        "policy": card["policy"],
        "scorecard": card["scorecard"],
        "date": card["generated_at"][:10],
        "stages": stages,
        "stage_labels": {s: stage_labels.get(s, _STAGE_LABELS.get(s, s)) for s in stages},
        "levels": framework.header.levels,
        "overall": {s: result["overall"][s] for s in stages},
        "categories": categories,
        "warnings": result["warnings"],
        "gates": result["eligibility"]["gates"],
        "eligibility": result["eligibility"],
        "decisions": card["decisions"],
        "decision_summary": _decision_summary(card["decisions"]),
        "role_labels": ROLE_LABELS,
        "signatures": card.get("signatures", []),
        "sources": [
            {
                **s,
                "complete": s["metadata"].get("complete", True),
                "rows": rows_per_source.get(s["id"], 0),
                "samples": s["metadata"].get("completed_samples"),
                "eval_ids": " ".join(x for x in (s.get("eval_id"), s.get("eval_run_id")) if x),
            }
            for s in sources.values()
        ],
        "withdrawn": _withdrawn(card),
        "audit_head": card["audit_head"],
        "badge": badge,
        "standing": _standing(card),
        "flags": card.get("flags", []),
        "attestations": card.get("attestations", []),
        "cited": [
            {**e, "value_text": f"{e['value']:.4g}"}
            for e in card["evidence"]
            if e.get("citation") and not e.get("withdrawn")
        ],
    }


def _withdrawn(card: dict[str, Any]) -> list[dict[str, Any]]:
    """What the record keeps but no longer scores: withdrawn source files, evidence rows (not
    already withdrawn with their file) and judgments, each with who, when and why."""
    sources = {s["id"]: s for s in card["sources"]}
    found = [
        {"what": f"source #{s['id']} {s['file_name']} ({s['stage']}), every row", **s["withdrawn"]}
        for s in sources.values()
        if s.get("withdrawn")
    ]
    found += [
        {
            "what": f"evidence row #{e['id']} {e['stage']} {e['task']}/{e['metric']} = "
            f"{e['value']:g}",
            **e["withdrawn"],
        }
        for e in card["evidence"]
        if e.get("withdrawn") and not sources.get(e["source_id"], {}).get("withdrawn")
    ]
    found += [
        {
            "what": f"judgment #{j['id']} {j['category']} {j['stage']} {j['level']} by {j['by']}",
            **j["withdrawn"],
        }
        for j in card["judgments"]
        if j.get("withdrawn")
    ]
    return found


def render_html(card: dict[str, Any], *, standalone: bool = False) -> str:
    env = environment()
    context = view(card)
    # The stylesheet is the project's own file; the PDF gets it separately.
    context["standalone_css"] = Markup(_css()) if standalone else None  # noqa: S704
    return env.get_template("card.html.j2").render(context)


def stylesheet() -> str:
    return _css()


def _css() -> str:
    return (data_dir("templates") / "card.css").read_text()


def _coverage(stage: dict[str, Any]) -> str:
    """ "k of n": how many of the category's indicators were evaluated at the stage."""
    count = stage.get("indicator_count")
    if count is None:  # a card from before coverage was recorded
        return ""
    return f"{stage.get('evaluated', 0)} of {count}"


def _not_evaluated(pack: Any, category: dict[str, Any], stages: list[str]) -> list[str]:
    """The indicators not evaluated at some stage, by name, with the stages they lack."""
    missing: dict[str, list[str]] = {}
    for stage in stages:
        for indicator_id in category["stages"][stage].get("not_evaluated", []):
            missing.setdefault(indicator_id, []).append(stage)
    names = {i.id: i.name for i in pack.indicators}
    return [
        f"{names.get(i, i)}" + ("" if len(found) == len(stages) else f" ({', '.join(found)})")
        for i, found in missing.items()
    ]


def _standing(card: dict[str, Any]) -> dict[str, Any]:
    """Whether the card shows its series' latest scorecard, and the one decided on."""
    this = card["scorecard"]["id"]
    decided = card.get("decided_scorecard")
    return {
        "is_latest": card.get("is_latest", True),
        "latest_id": card.get("latest_id", this),
        "decided": decided if decided not in (None, this) else None,
        "changes": [
            f"{c['what']}: {c['before']} → {c['after']}" + (f" ({c['why']})" if c["why"] else "")
            for c in card.get("changes_since_decided", [])
        ],
    }


def _brief(stage: dict[str, Any]) -> str:
    if stage["level"] is None or stage["level"] == "not_assessed":
        return stage.get("coverage_shortfall") or "no evidence, no judgment"
    if stage.get("overridden") and stage.get("override"):
        return f"override by {stage['override']['by']} (computed {stage['computed_level']})"
    if stage["basis"] == "judgment":
        judged = [j for j in stage["judgments"] if j["level"] == stage["level"]]
        for indicator in stage["indicators"]:
            if indicator.get("judgment") and indicator["level"] == stage["level"]:
                judged.append(indicator["judgment"])
        return f"judgment by {judged[-1]['by']}" if judged else "judgment"
    deciding = next(
        (i for i in stage["indicators"] if i["id"] == stage["deciding_indicator"]), None
    )
    if deciding is None or deciding.get("rated_value") is None:
        return "evidence"
    value = f"{deciding['rated_value']:.3g}"
    if deciding.get("threshold_crossed"):
        return f"{deciding['id']} {value} ≥ {deciding['threshold_crossed']['value']:g}"
    following = deciding.get("next_threshold")
    if following:
        return f"{deciding['id']} {value} < {following['value']:g} ({following['level']})"
    return f"{deciding['id']} {value}"


def _indicator_rows(category: dict[str, Any], stages: list[str]) -> list[dict[str, Any]]:
    rows = []
    for stage in stages:
        for indicator in category["stages"][stage]["indicators"]:
            if indicator["level"] is None and indicator["value"] is None:
                continue
            value_text = "judgment"
            if indicator["value"] is not None:
                value_text = f"{indicator['value']:.4g}"
                if indicator.get("interval"):
                    a, b = indicator["interval"]
                    value_text += f" [{a:.3g}, {b:.3g}]"
                if indicator.get("rated_value") not in (None, indicator["value"]):
                    value_text += f" (rated {indicator['rated_value']:.3g})"
            crossed = indicator.get("threshold_crossed")
            following = indicator.get("next_threshold")
            rows.append(
                {
                    "name": indicator["name"],
                    "task": indicator.get("task"),
                    "metric": indicator.get("metric"),
                    "stage": stage,
                    "value_text": value_text,
                    "crossed": f"{crossed['level']} ≥ {crossed['value']:g}" if crossed else "—",
                    "next": (
                        f"{following['level']} at {following['value']:g} "
                        f"({indicator['distance_to_next']:.3g} away)"
                    )
                    if following
                    else "—",
                    "level": indicator["level"],
                    "overridden": indicator.get("overridden", False),
                }
            )
    return rows


def _decision_summary(decisions: list[dict[str, Any]]) -> str:
    if not decisions:
        return "none recorded yet"
    final = decisions[-1]
    who = ROLE_LABELS.get(final["role"], final["role"])
    return f"{final['decision']} ({who}, {final['by']}, {final['created_at'][:10]})"


class HtmlFormat:
    """One HTML file with the stylesheet inlined and the charts as inline SVG."""

    name = "html"
    description = "standalone HTML"

    def write(self, card: dict[str, Any], target: Path) -> None:
        write_atomic(target, render_html(card, standalone=True))
