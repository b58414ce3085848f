"""A broken pack gives one clear error naming the file and the field, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scorecard import packs
from scorecard.core.framework import Framework
from scorecard.errors import FrameworkError
from scorecard.resources import data_dir


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_bundled_packs_are_valid(v1: Framework, v2: Framework) -> None:
    assert [c.id for c in v1.categories] == [
        "cybersecurity",
        "cbrn",
        "persuasion",
        "model_autonomy",
    ]
    assert list(v1.scale.levels) == ["low", "medium", "high", "critical"]
    assert v1.stage_ids == ["pre", "post"]
    assert v2.stage_ids == ["pre"]
    assert list(v2.scale.levels) == ["below_high", "high", "critical"]
    assert [c.id for c in v2.categories if c.tracked] == [
        "biological_chemical",
        "cybersecurity",
        "ai_self_improvement",
    ]


REQUIRED_V1_EVALUATIONS = [
    "ctf_high_school",
    "ctf_collegiate",
    "ctf_professional",
    "cybench",
    "wmdp_bio",
    "wmdp_chem",
    "wmdp_cyber",
    "lab_bench_protocolqa",
    "tacit_knowledge",
    "biorisk_expert_comparison",
    "changemyview",
    "makemepay",
    "makemesay",
    "persuasion_parallel_generation",
    "swe_bench_verified",
    "mle_bench",
    "re_interview_coding",
    "re_interview_mcq",
    "agentic_tasks",
]


def test_v1_recognises_the_public_evaluations(v1: Framework) -> None:
    known = {e for c in v1.categories for i in c.indicators for e in i.evaluations}
    assert set(REQUIRED_V1_EVALUATIONS) <= known
    changemyview = next(i for c in v1.categories for i in c.indicators if i.id == "changemyview")
    assert (changemyview.metric, changemyview.unit) == ("percentile", "percentile")


def test_every_category_documents_its_thresholds(v1: Framework, v2: Framework) -> None:
    for framework in (v1, v2):
        for category in framework.categories:
            assert len(category.thresholds_rationale.split()) >= 10, category.id


def test_content_hash_changes_with_any_file(pack_copy: Callable[[str], Path]) -> None:
    folder = pack_copy("preparedness-v1")
    before = packs.load_folder(folder).content_hash
    _edit(folder / "cbrn.toml", "medium = 0.79", "medium = 0.78")
    assert packs.load_folder(folder).content_hash != before


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "cybersecurity.toml",
            "metric_aliases",
            "metric_alias",
            r"cybersecurity\.toml: indicators\.4\.metric_alias: unknown field",
        ),
        (
            "cbrn.toml",
            "thresholds = { medium = 0.79 }",
            "thresholds = { extreme = 0.79 }",
            r"cbrn\.toml: indicators\.4: .*unknown level 'extreme'",
        ),
        (
            "cybersecurity.toml",
            "{ medium = 0.25, high = 0.60, critical = 0.90 }",
            "{ medium = 0.65, high = 0.60, critical = 0.90 }",
            r"cybersecurity\.toml: indicators\.0: .*thresholds out of order: medium \(0\.65\) must "
            r"be below high \(0\.6\)",
        ),
        (
            "persuasion.toml",
            'evaluations = ["changemyview"]',
            "evaluations = []",
            r"persuasion\.toml: indicators\.0: .*needs at least one evaluation",
        ),
        (
            "model_autonomy.toml",
            'id = "mle_bench"',
            'id = "swe_bench_verified"',
            r"model_autonomy\.toml: indicators: .*duplicate indicator id 'swe_bench_verified'",
        ),
        (
            "framework.toml",
            'at_most = "medium"',
            'at_most = "moderate"',
            r"framework\.toml: .*gate 'deployment': at_most names the unknown level 'moderate'",
        ),
        (
            "cbrn.toml",
            "thresholds = { medium = 0.85 }",
            "thresholds = { medium = 1.5 }",
            r"cbrn\.toml: indicators\.6: .*outside the rate range",
        ),
        (
            "cbrn.toml",
            'low = "Adds',
            'lowish = "Adds',
            r"cbrn\.toml: levels: .*unknown level 'lowish'",
        ),
        (
            "framework.toml",
            'governs = "deploy"',
            'governs = "develop"',
            r"framework\.toml: .*no gate governs 'deploy'",
        ),
        (
            "persuasion.toml",
            'id = "persuasion"',
            'id = "persuasio"',
            r"persuasion\.toml: id: 'persuasio' does not match the file name",
        ),
        ("framework.toml", "[[levels]]", "[[levels]\n", r"framework\.toml: not valid TOML"),
    ],
)
def test_broken_pack_names_file_and_field(
    pack_copy: Callable[[str], Path], file: str, old: str, new: str, expected: str
) -> None:
    folder = pack_copy("preparedness-v1")
    _edit(folder / file, old, new)
    with pytest.raises(FrameworkError) as raised:
        packs.load_folder(folder)
    message = str(raised.value)
    assert "\n" not in message
    assert re.search(expected, message), message


def test_category_file_not_listed_is_refused(pack_copy: Callable[[str], Path]) -> None:
    folder = pack_copy("preparedness-v1")
    (folder / "extra.toml").write_text((folder / "cbrn.toml").read_text())
    with pytest.raises(FrameworkError, match=r"extra\.toml: category file not listed"):
        packs.load_folder(folder)


def test_missing_category_file_is_refused(pack_copy: Callable[[str], Path]) -> None:
    folder = pack_copy("preparedness-v1")
    (folder / "persuasion.toml").unlink()
    with pytest.raises(FrameworkError, match=r"no file persuasion\.toml"):
        packs.load_folder(folder)


def test_unknown_framework_lists_the_known_ones() -> None:
    with pytest.raises(
        FrameworkError, match=r"unknown framework 'nope' \(known: .*preparedness-v1"
    ):
        packs.load("nope")


def test_a_team_pack_may_not_silently_shadow_a_bundled_one(
    pack_copy: Callable[[str], Path],
) -> None:
    """The attack: a pack on the search path reusing `preparedness-v1` with a looser deploy
    gate would turn a refused deployment into an allowed one, and look the same."""
    folder = pack_copy("preparedness-v1")
    _edit(folder / "framework.toml", 'version = "2023-12"', 'version = "team-fork"')
    bundled = data_dir("categories") / "preparedness-v1"
    with pytest.raises(FrameworkError) as refused:
        packs.load("preparedness-v1", [folder.parent])
    assert str(folder) in str(refused.value) and str(bundled) in str(refused.value)
    assert "reuses the id 'preparedness-v1'" in str(refused.value)
    # Other packs on the same path still load; explicitly allowed, the fork is used.
    assert packs.load("preparedness-v2", [folder.parent]).id == "preparedness-v2"
    forked = packs.load("preparedness-v1", [folder.parent], allow_shadow=True)
    assert forked.header.version == "team-fork"
    assert packs.load("preparedness-v1").header.version == "2023-12"


def test_a_broken_pack_stops_only_itself(tmp_path: Path) -> None:
    broken = tmp_path / "packs" / "acme"
    broken.mkdir(parents=True)
    (broken / "framework.toml").write_text("id = [unclosed")
    found = packs.discover([tmp_path / "packs"])
    assert set(found.found) == {"preparedness-v1", "preparedness-v2"}
    assert [path for path, _ in found.broken] == [broken]
    assert packs.load("preparedness-v1", [tmp_path / "packs"]).id == "preparedness-v1"
    with pytest.raises(FrameworkError, match=r"unknown framework 'acme'.*unreadable: .*acme"):
        packs.load("acme", [tmp_path / "packs"])
