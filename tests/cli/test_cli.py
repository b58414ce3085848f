"""The command line: help everywhere, JSON for scripts, one-line errors and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.resources import data_dir, example_dir

PRE = example_dir() / "evidence-pre.csv"
POST = example_dir() / "evidence-post.csv"
JUDGMENTS = example_dir() / "judgments.csv"


def all_commands() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        paths.append(prefix)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "scorecard")
def test_every_command_has_help(runner: CliRunner, path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"{path} has no help text"


def test_score_json_has_the_documented_shape(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["score", "-e", str(PRE), "-e", str(POST), "-j", str(JUDGMENTS), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["framework"]["id"] == "preparedness-v1"
    levels = {c["id"]: (c["pre"]["level"], c["post"]["level"]) for c in data["categories"]}
    assert levels["cybersecurity"] == ("high", "medium")
    assert (data["overall"]["pre"], data["overall"]["post"]) == ("high", "medium")
    assert data["eligibility"]["deploy"] is True
    assert data["eligibility"]["security_hardening_required"] is True
    assert any(w["kind"] == "near_threshold" for w in data["warnings"])


def test_score_human_output_shows_levels_and_gates(runner: CliRunner) -> None:
    result = runner.invoke(app, ["score", "-e", str(PRE), "-e", str(POST), "-j", str(JUDGMENTS)])
    assert result.exit_code == 0, result.output
    for text in (
        "Cybersecurity",
        "HIGH",
        "MEDIUM",
        "May deploy",
        "Hardened security required",
        "Warnings",
    ):
        assert text in result.output


def test_not_assessed_shows_and_check_fails(runner: CliRunner) -> None:
    result = runner.invoke(app, ["score", "-e", str(PRE), "--check", "deploy"])
    assert result.exit_code == 3
    assert "not assessed" in result.output
    assert "fails closed" in result.output


def test_check_passes_when_allowed(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "score",
            "-e",
            str(PRE),
            "-e",
            str(POST),
            "-j",
            str(JUDGMENTS),
            "--check",
            "deploy",
            "--json",
        ],
    )
    assert result.exit_code == 0


def test_upper_ci_policy_from_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("stage,task,metric,value,stderr\npre,ctf_professional,accuracy,0.2,0.03\n")
    point = json.loads(runner.invoke(app, ["score", "-e", str(path), "--json"]).stdout)
    cautious = json.loads(
        runner.invoke(app, ["score", "-e", str(path), "--json", "--policy", "upper-ci"]).stdout
    )
    assert point["categories"][0]["pre"]["level"] == "low"
    assert cautious["categories"][0]["pre"]["level"] == "medium"
    assert cautious["policy"] == "upper-ci"


def test_post_equals_pre_from_the_command_line(runner: CliRunner) -> None:
    args = [
        "score",
        "-e",
        str(PRE),
        "-e",
        str(POST),
        "-j",
        str(JUDGMENTS),
        "--json",
        "--post-equals-pre",
    ]
    missing = runner.invoke(app, args)
    assert missing.exit_code == 2 and "needs --by and --rationale" in missing.stderr
    result = runner.invoke(app, [*args, "--by", "SAG chair", "--rationale", "caution"])
    data = json.loads(result.stdout)
    assert data["overall"]["post"] == "high"
    assert data["eligibility"]["deploy"] is False


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("stage,task,metric,value\nlater,cybench,accuracy,0.3\n", "line 2: unknown stage 'later'"),
        (
            "stage,task,metric,value\npre,cybench,accuracy,1.3\n",
            "line 2: cybench/accuracy = 1.3 is outside the rate range",
        ),
        (
            "stage,task,metric,value\npre,cybench,accuracy,-inf\n",
            "line 2: value '-inf' is not finite",
        ),
    ],
)
def test_bad_input_is_one_line_and_non_zero(
    runner: CliRunner, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "evidence.csv"
    path.write_text(content)
    result = runner.invoke(app, ["score", "-e", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(path) in lines[0] and expected in lines[0]


def test_unknown_framework_is_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["score", "-e", str(PRE), "--framework", "nope"])
    assert result.exit_code == 4  # not found
    assert result.stderr.strip() == (
        "error: unknown framework 'nope' (known: preparedness-v1, preparedness-v2)"
    )


def test_markup_in_input_is_printed_literally(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_text("category,stage,level,by,rationale\ncbrn,pre,high,[bold red]Mallory[/],x\n")
    result = runner.invoke(app, ["score", "-e", str(PRE), "-j", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "judgment by [bold red]Mallory[/]" in result.output


def test_frameworks_list_show_validate(runner: CliRunner) -> None:
    listed = json.loads(runner.invoke(app, ["frameworks", "list", "--json"]).stdout)
    assert [p["id"] for p in listed] == ["preparedness-v1", "preparedness-v2"]
    shown = runner.invoke(app, ["frameworks", "show", "preparedness-v2"])
    assert shown.exit_code == 0 and "Biological and chemical" in shown.output
    as_json = json.loads(
        runner.invoke(app, ["frameworks", "show", "preparedness-v1", "--json"]).stdout
    )
    assert as_json["header"]["id"] == "preparedness-v1"
    validated = runner.invoke(app, ["frameworks", "validate"])
    assert validated.exit_code == 0
    assert validated.output.count("ok ") == 2


def test_validate_reports_a_broken_team_pack(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "team-pack"
    shutil.copytree(data_dir("categories") / "preparedness-v1", folder)
    cbrn = folder / "cbrn.toml"
    cbrn.write_text(cbrn.read_text().replace("thresholds_rationale", "threshold_rationale"))
    result = runner.invoke(app, ["frameworks", "validate", str(folder)])
    assert result.exit_code == 1
    assert (
        f"{cbrn}: threshold_rationale: unknown field (did you mean 'thresholds_rationale'?)"
        in result.stderr
    )


def test_team_pack_through_framework_path(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "packs" / "team"
    shutil.copytree(data_dir("categories") / "preparedness-v1", folder)
    header = folder / "framework.toml"
    header.write_text(header.read_text().replace('id = "preparedness-v1"', 'id = "team-v1"'))
    result = runner.invoke(
        app,
        [
            "score",
            "-e",
            str(PRE),
            "--framework",
            "team-v1",
            "--framework-path",
            str(tmp_path / "packs"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["framework"]["id"] == "team-v1"


def test_demo_runs_the_whole_story(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "scorecard.json").read_text())
    assert (data["overall"]["pre"], data["overall"]["post"]) == ("high", "medium")
    assert [(d["role"], d["decision"]) for d in data["decisions"]] == [
        ("sag", "deploy"),
        ("leadership", "deploy"),
    ]
    assert "Kestrel-2" in result.output and "audit chain verified" in result.output
    again = runner.invoke(app, ["demo", "--dir", str(tmp_path / "out")])
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_python_dash_m_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scorecard", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("scorecard ")


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from scorecard.cli import app\n"
        "from typer.testing import CliRunner\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "CliRunner().invoke(app, ['score', '--help'])\n"
        "heavy = {'weasyprint', 'pyhanko', 'sqlalchemy', 'alembic', 'zstandard', 'psycopg', "
        "'jinja2', 'scorecard.core.scoring', 'scorecard.core.evidence', 'scorecard.packs'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_typer_exit_is_what_errors_become() -> None:
    # The CLI relies on typer.Exit carrying the code; guard against a Typer change.
    assert issubclass(typer.Exit, Exception)


def test_readme_commands_exist(runner: CliRunner) -> None:
    """Every `scorecard ...` line in the README names a real command and real options."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    blocks = readme.split("```sh\n")[1:]
    lines = [
        line.strip()
        for block in blocks
        for line in block.split("```")[0].splitlines()
        if line.strip().startswith("scorecard ")
    ]
    assert len(lines) >= 5
    for line in lines:
        words = line.split("#")[0].split()[1:]
        path = [w for w in words[:2] if not w.startswith("-") and "." not in w and "/" not in w]
        command = get_command(app)
        for name in path:
            if not hasattr(command, "commands"):
                break
            assert name in command.commands, line  # type: ignore[attr-defined]
            command = command.commands[name]  # type: ignore[attr-defined]
        help_text = runner.invoke(app, [*(p for p in path if p in _names()), "--help"]).output
        for option in (w for w in words if w.startswith("--")):
            assert option in help_text, f"{option} from {line!r} is not in its --help"


def _names() -> set[str]:
    return {name for path in all_commands() for name in path}
