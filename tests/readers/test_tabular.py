"""Evidence and judgment files: good rows read exactly, bad input fails naming file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorecard.errors import InputError
from scorecard.readers import read_judgments
from scorecard.readers.tabular import read_evidence
from scorecard.resources import example_dir

HEADER = "stage,task,metric,value,stderr,n_samples\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def test_csv_rows_are_read_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        HEADER + "pre,wmdp_bio,accuracy,0.61,0.013,1273\n\npost,ctf_professional,accuracy,0.2,,\n",
    )
    rows = read_evidence(path)
    assert [(r.stage, r.task, r.metric, r.value, r.stderr, r.n_samples) for r in rows] == [
        ("pre", "wmdp_bio", "accuracy", 0.61, 0.013, 1273),
        ("post", "ctf_professional", "accuracy", 0.2, None, None),
    ]
    assert rows[0].source is not None and rows[0].source.row == 2
    assert rows[1].source is not None and rows[1].source.row == 4


def test_jsonl_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    lines = [
        {"stage": "pre", "task": "cybench", "metric": "accuracy", "value": 0.4},
        {"stage": "pre", "task": "cybench", "metric": "accuracy", "value": "0.5", "stderr": 0.01},
    ]
    path = write(tmp_path, "results.txt", "\n".join(json.dumps(x) for x in lines) + "\n")
    assert [r.value for r in read_evidence(path)] == [0.4, 0.5]


def test_default_stage_fills_and_contradiction_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "task,metric,value\ncybench,accuracy,0.4\n")
    assert read_evidence(path, default_stage="post")[0].stage == "post"
    with pytest.raises(InputError, match=r"line 1: no stage column: give each row a stage or pass"):
        read_evidence(path)
    mixed = write(
        tmp_path,
        "m.csv",
        "stage,task,metric,value\npre,cybench,accuracy,0.4\npost,cybench,accuracy,0.4\n",
    )
    with pytest.raises(
        InputError, match=r"m\.csv: line 3: stage 'post' contradicts the stage given \(pre\)"
    ):
        read_evidence(mixed, default_stage="pre")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", r"empty file"),
        ("   \n\n", r"empty file"),
        (",,\n\n", r"no header line naming the columns"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"binary file"),
        (b"stage,task,metric,value\npre,t,m,\xff\xfe\n", r"not UTF-8 text"),
        (HEADER, r"no data rows"),
        ("stage,task,value\npre,cybench,0.4\n", r"line 1: missing column 'metric'"),
        (HEADER + "during,cybench,accuracy,0.4,,\n", r"line 2: unknown stage 'during'"),
        (HEADER + "pre,cybench,accuracy,high,,\n", r"line 2: value 'high' is not a number"),
        (HEADER + "pre,cybench,accuracy,nan,,\n", r"line 2: value 'nan' is not finite"),
        (HEADER + "pre,cybench,accuracy,inf,,\n", r"line 2: value 'inf' is not finite"),
        (HEADER + "pre,cybench,accuracy,0.4,-0.1,\n", r"line 2: stderr '-0.1' is below 0"),
        (HEADER + "pre,cybench,accuracy,0.4,,-5\n", r"line 2: n_samples '-5' is below 0"),
        (HEADER + "pre,cybench,accuracy,0.4,,2.5\n", r"line 2: n_samples '2.5' is not a whole"),
        (HEADER + "pre,cybench,accuracy,,,\n", r"line 2: missing value for column 'value'"),
        (HEADER + "pre,cybench,accuracy,0.4,,,extra\n", r"line 2: 7 fields but the header has 6"),
        (
            '{"stage": "pre", "task": "x", "metric": "m", "value": 0.1}\n{"stage": "pre",\n',
            r"line 2: not valid JSON",
        ),
        ('{"stage": "pre", "task": "x", "metric": "m", "value": NaN}\n', r"line 1: not valid JSON"),
        (
            '{"stage": "pre", "task": "x", "metric": "m", "value": true}\n',
            r"line 1: value True is not a number",
        ),
        ('{"value": ' + "[" * 100000 + "\n", r"line 1: not valid JSON"),
        (
            '{"stage": "pre", "task": "x", "metric": "m", "value": 0.1}\n[1, 2]\n',
            r"line 2: expected a JSON object per line",
        ),
        ('{"a": 1}\n', r"line 1: unknown column\(s\) 'a'"),
        ('{"stage": "pre", "task": "x"}\n', r"line 1: missing column 'metric'"),
    ],
)
def test_bad_evidence_fails_with_one_line_naming_file(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    path = write(tmp_path, "bad.csv", content)
    with pytest.raises(InputError) as raised:
        read_evidence(path)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert "\n" not in message
    import re

    assert re.search(expected, message), message


def test_folder_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        read_evidence(tmp_path)
    with pytest.raises(InputError, match="cannot read"):
        read_evidence(tmp_path / "nope.csv")


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scorecard.readers import rows as records

    path = write(tmp_path, "big.csv", HEADER + "pre,cybench,accuracy,0.4,,\n" * 50)
    monkeypatch.setattr(records, "MAX_TABULAR_BYTES", 100)
    with pytest.raises(InputError, match="larger than"):
        records.read_text(path, limit=100)


def test_judgments_read_with_optional_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "j.csv",
        "category,stage,level,by,rationale,indicator,override,kind\n"
        'cbrn,pre,medium,Dr. A,"Expert probing, round 2",expert_uplift,false,\n'
        "cybersecurity,post,low,SAG chair,Mitigations verified,,yes,\n"
        "cbrn,pre,high,SAG,Safeguards hold,,,safeguards\n",
    )
    first, second, third = read_judgments(path)
    assert (first.indicator, first.override, first.rationale) == (
        "expert_uplift",
        False,
        "Expert probing, round 2",
    )
    assert (second.indicator, second.override) == (None, True)
    assert third.kind == "safeguards"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("category,stage,level,by\ncbrn,pre,low,A\n", r"line 1: missing column 'rationale'"),
        (
            "category,stage,level,by,rationale\ncbrn,pre,low,,why\n",
            r"line 2: missing value for column 'by'",
        ),
        (
            "category,stage,level,by,rationale,override\ncbrn,pre,low,A,why,maybe\n",
            r"line 2: override 'maybe' is not true or false",
        ),
        (
            "category,stage,level,by,rationale,kind\ncbrn,pre,low,A,why,vibes\n",
            r"line 2: unknown kind 'vibes'",
        ),
    ],
)
def test_bad_judgments_fail_naming_the_line(tmp_path: Path, content: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        read_judgments(write(tmp_path, "j.csv", content))


def test_bundled_examples_read() -> None:
    pre = read_evidence(example_dir() / "evidence-pre.csv", default_stage="pre")
    post = read_evidence(example_dir() / "evidence-post.csv", default_stage="post")
    assert len(pre) == len(post) > 10
    assert len(read_judgments(example_dir() / "judgments.csv")) == 2
