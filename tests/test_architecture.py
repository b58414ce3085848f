"""The import rules of the package (README, "Architecture"), checked on every run.

Every ``import`` in every module counts, at module level or inside a function: a lazy import is
still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "scorecard"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module -> the scorecard modules it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets.update(f"{node.module}.{a.name}" for a in node.names)
        found[name] = {t for t in targets if t == "scorecard" or t.startswith("scorecard.")}
    return found


IMPORTS = _imports()


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(rule: str, sources: list[str], forbidden: list[str]) -> list[str]:
    return [
        f"{rule}: {source} imports {target}"
        for source, targets in IMPORTS.items()
        if any(_in(source, s) for s in sources)
        for target in sorted(targets)
        if any(_in(target, f) for f in forbidden)
    ]


def test_the_rules_see_the_whole_package() -> None:
    assert len(IMPORTS) > 50
    assert "scorecard.commands.scorecards" in IMPORTS["scorecard.cli.scorecards"]


def test_core_imports_nothing_but_itself_and_errors() -> None:
    bad = [
        f"{source} imports {target}"
        for source, targets in IMPORTS.items()
        if _in(source, "scorecard.core")
        for target in targets
        if not (_in(target, "scorecard.core") or target == "scorecard.errors")
        and target != "scorecard.errors.ScorecardError"
        and not target.startswith("scorecard.errors.")
    ]
    assert bad == []


@pytest.mark.parametrize(
    "adapter",
    [
        "scorecard.readers",
        "scorecard.records",
        "scorecard.render",
        "scorecard.sign",
        "scorecard.card",
        "scorecard.db",
        "scorecard.packs",
        "scorecard.settings",
        "scorecard.errors",
        "scorecard.files",
    ],
)
def test_adapters_never_import_the_cli_or_the_commands(adapter: str) -> None:
    assert _violations("layer", [adapter], ["scorecard.cli", "scorecard.commands"]) == []


def test_only_the_cli_imports_the_commands() -> None:
    bad = [
        f"{source} imports {target}"
        for source, targets in IMPORTS.items()
        if not (_in(source, "scorecard.cli") or _in(source, "scorecard.commands"))
        for target in targets
        if _in(target, "scorecard.commands")
    ]
    assert bad == []


def test_the_environment_is_read_in_one_place() -> None:
    """Settings are read once (settings.py); the CLI may read what is not a setting (a key
    passphrase, from its own variable)."""
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        text = path.read_text()
        if ("os.environ" in text or "getenv" in text) and not (
            name == "scorecard.settings" or _in(name, "scorecard.cli")
        ):
            readers.append(name)
    assert readers == []
