"""Rich rendering of scorecards and frameworks for people (``--json`` is for scripts).

Everything printed from input files (task names, rationales, names) goes in as ``Text``, never
as markup, so a task called ``[red]x`` prints as it is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from scorecard.cli.safetext import SafeText as Text

if TYPE_CHECKING:
    from scorecard.core.framework import Framework
    from scorecard.core.result import ScorecardResult, StageResult

NOT_ASSESSED_STYLE = "bold magenta"


def level_text(level: str | None, colors: dict[str, str], *, overridden: bool = False) -> Text:
    if level is None:
        return Text("not assessed", style=NOT_ASSESSED_STYLE)
    text = Text(f" {level.upper()} ", style=f"bold black on {colors.get(level, '#777777')}")
    if overridden:
        text.append(" overridden ⚑", style="bold red")
    return text


def _stage_cell(stage: StageResult, colors: dict[str, str]) -> Text:
    text = level_text(stage.level, colors, overridden=stage.overridden)
    if stage.basis == "judgment":
        text.append(" (judgment)", style="italic")
    if stage.indicator_count:
        text.append(f"\n{stage.coverage} indicators", style="dim")
    return text


def brief_reason(stage: StageResult) -> str:
    """One short line saying what set the level (the full rationale is in --json)."""
    if stage.level is None:
        return stage.coverage_shortfall or "no evidence, no judgment"
    if stage.overridden and stage.override is not None:
        return f"override by {stage.override.by} (computed {stage.computed_level})"
    if stage.basis == "judgment":
        judged = next((j for j in reversed(stage.judgments) if j.level == stage.level), None)
        return f"judgment by {judged.by}" if judged else "judgment"
    deciding = next((i for i in stage.indicators if i.id == stage.deciding_indicator), None)
    if deciding is None or deciding.rated_value is None:
        return "evidence"
    value = f"{deciding.rated_value:.4g}"
    if deciding.threshold_crossed is not None:
        return f"{deciding.id} {value} ≥ {deciding.threshold_crossed.value:g}"
    if deciding.next_threshold is not None:
        following = deciding.next_threshold
        return f"{deciding.id} {value} < {following.value:g} ({following.level})"
    return f"{deciding.id} {value}"


def scorecard_table(
    result: ScorecardResult, colors: dict[str, str], labels: dict[str, str]
) -> Table:
    table = Table(
        title=Text(f"{result.framework.name} ({result.framework.id} {result.framework.version})"),
        title_style="bold",
        show_lines=True,
    )
    table.add_column("Category", style="bold", no_wrap=True)
    for stage in result.stages:
        table.add_column(labels.get(stage, stage), justify="center")
    table.add_column("What sets the level", overflow="fold")
    for category in result.categories:
        name = Text(category.name)
        if not category.tracked:
            name.append("\n(research, not gated)", style="dim")
        why = Text()
        for i, stage_id in enumerate(result.stages):
            if len(result.stages) > 1:
                why.append(f"{stage_id}: ", style="bold")
            why.append(brief_reason(category.stages[stage_id]))
            if i < len(result.stages) - 1:
                why.append("\n")
        table.add_row(name, *(_stage_cell(category.stages[s], colors) for s in result.stages), why)
    overall_cells = []
    for stage_id in result.stages:
        overall = result.overall[stage_id]
        cell = level_text(overall.level, colors)
        if overall.level is None and overall.assessed_max is not None:
            cell.append(f"\n(at least {overall.assessed_max})", style="dim")
        overall_cells.append(cell)
    table.add_row(Text("Overall", style="bold"), *overall_cells, Text("highest tracked category"))
    return table


def eligibility_panel(result: ScorecardResult) -> Panel:
    lines = []
    e = result.eligibility
    for label, ok, governs in (
        ("May deploy", e.deploy, "deploy"),
        ("May continue development", e.develop, "develop"),
    ):
        mark = Text("✔ yes" if ok else "✘ no", style="bold green" if ok else "bold red")
        lines.append(Text.assemble(f"{label}: ", mark))
        for reason in e.reasons(governs):
            lines.append(Text(f"    {reason}", style="dim"))
    hardening = e.security_hardening_required
    lines.append(
        Text.assemble(
            "Hardened security required: ",
            Text("yes" if hardening else "no", style="bold yellow" if hardening else "bold green"),
        )
    )
    for reason in e.reasons("security_hardening"):
        lines.append(Text(f"    {reason}", style="dim"))
    return Panel(Group(*lines), title="Eligibility", title_align="left")


_PALETTE = ["#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#6a1b9a"]
_STAGE_LABELS = {"pre": "Pre-mitigation", "post": "Post-mitigation"}


def print_scorecard(
    console: Console, result: ScorecardResult, framework: Framework | None = None
) -> None:
    """The scorecard table, the eligibility panel and the warnings."""
    if framework is not None:
        colors = {level.id: level.color for level in framework.header.levels}
        labels = {stage.id: stage.label for stage in framework.header.stages}
    else:  # a stored scorecard: its own levels, coloured by rank
        colors = {lv: _PALETTE[min(i, len(_PALETTE) - 1)] for i, lv in enumerate(result.levels)}
        labels = {s: _STAGE_LABELS.get(s, s) for s in result.stages}
    console.print(scorecard_table(result, colors, labels))
    console.print(eligibility_panel(result))
    if result.warnings:
        warnings = Text()
        for i, warning in enumerate(result.warnings):
            warnings.append("⚠ ", style="bold yellow")
            warnings.append(warning.message)
            if i < len(result.warnings) - 1:
                warnings.append("\n")
        console.print(
            Panel(warnings, title=f"Warnings ({len(result.warnings)})", title_align="left")
        )
    if result.unmatched_evidence:
        console.print(
            Text(
                f"{len(result.unmatched_evidence)} evidence task/metric pairs match no indicator "
                f"of {result.framework.id}: {', '.join(result.unmatched_evidence[:8])}"
                + (" …" if len(result.unmatched_evidence) > 8 else ""),
                style="dim",
            )
        )


def framework_tables(framework: Framework) -> list[Table | Text]:
    header = framework.header
    out: list[Table | Text] = [
        Text(f"{header.name} — {header.id} {header.version}", style="bold"),
        Text(header.description.strip()),
        Text(
            "Levels: "
            + " < ".join(level.label for level in header.levels)
            + "   Stages: "
            + ", ".join(stage.label for stage in header.stages)
        ),
    ]
    gates = Table(title="Gates", show_lines=False)
    gates.add_column("Gate", no_wrap=True)
    gates.add_column("Governs", no_wrap=True)
    for column in ("Rule", "Description"):
        gates.add_column(column, overflow="fold")
    for gate in header.gates:
        rule = (
            f"{gate.stage} ≤ {gate.at_most}" if gate.at_most else f"{gate.stage} ≥ {gate.at_least}"
        )
        if gate.when:
            rule = f"when {gate.when.stage} ≥ {gate.when.at_least}: {rule}"
        if gate.safeguards_extend_to:
            rule += f" (≤ {gate.safeguards_extend_to} with safeguards)"
        gates.add_row(gate.id, gate.governs, rule, gate.description.strip())
    out.append(gates)
    for category in framework.categories:
        table = Table(
            title=Text(
                f"{category.name} ({category.id})" + ("" if category.tracked else " — research")
            ),
            show_lines=False,
        )
        table.add_column("Indicator", overflow="fold")
        table.add_column("Reads", overflow="fold")
        table.add_column("Direction")
        for level in header.levels[1:]:
            table.add_column(level.label, justify="right")
        for indicator in category.indicators:
            if indicator.kind == "judgment":
                reads, direction = "expert judgment", ""
                cells = ["" for _ in header.levels[1:]]
            else:
                reads = (
                    f"{', '.join(indicator.evaluations)} / {indicator.metric} ({indicator.unit})"
                )
                direction = (
                    "↑ riskier" if indicator.direction == "higher_is_riskier" else "↓ riskier"
                )
                cells = [
                    f"{indicator.thresholds[level.id]:g}"
                    if level.id in indicator.thresholds
                    else "—"
                    for level in header.levels[1:]
                ]
            table.add_row(Text(indicator.name), Text(reads), direction, *cells)
        out.append(table)
    return out
