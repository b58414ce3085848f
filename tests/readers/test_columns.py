"""Issue 10, provenance kept, not dropped: which columns evidence and judgment files may have.

A source column is kept, other unknown columns are refused by name, headers ignore case,
semicolon-separated files (decimal commas) are read, and rows may carry their own stage.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorecard.core.evidence import MAX_CITATION_LENGTH
from scorecard.errors import InputError
from scorecard.readers import read, read_judgments
from scorecard.readers.tabular import read_evidence

KNOWN = "(known: stage, task, metric, value, stderr, n_samples, source, citation)"
JUDGMENT_KNOWN = "(known: category, stage, level, by, rationale, indicator, override, kind)"
O1_CARD = "https://cdn.openai.com/o1-system-card-20241205.pdf#page=14"


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def jsonl(tmp_path: Path, name: str, *objects: dict[str, object]) -> Path:
    return write(tmp_path, name, "".join(json.dumps(o) + "\n" for o in objects))


def refusal(path: Path, stage: str | None = "pre") -> str:
    with pytest.raises(InputError) as raised:
        read_evidence(path, stage)
    message = str(raised.value)
    assert "\n" not in message
    return message


# -- a source or citation column is kept ----------------------------------------------------


def test_source_column_is_kept_as_the_citation(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "o1.csv",
        "stage,task,metric,value,source\n"
        f"pre,lab_bench_protocolqa,accuracy,0.81,{O1_CARD}\n"
        'pre,cybench,accuracy,0.31,"o1 system card, table 7"\n'
        "pre,ctf_professional,accuracy,0.13,\n",
    )
    rows = read_evidence(path)
    assert [r.citation for r in rows] == [O1_CARD, "o1 system card, table 7", None]
    assert [r.value for r in rows] == [0.81, 0.31, 0.13]


def test_citation_column_in_jsonl_and_its_limits(tmp_path: Path) -> None:
    base = {"stage": "pre", "task": "cybench", "metric": "accuracy", "value": 0.3}
    path = jsonl(tmp_path, "e.jsonl", {**base, "citation": O1_CARD}, {**base, "citation": ""}, base)
    assert [r.citation for r in read_evidence(path)] == [O1_CARD, None, None]

    both = jsonl(tmp_path, "both.jsonl", base, {**base, "source": "a", "citation": "b"})
    assert refusal(both) == (
        f"{both}: line 2: both a 'source' and a 'citation' column: they mean the same, keep one"
    )
    both_csv = write(tmp_path, "both.csv", "task,metric,value,Source,citation\nt,m,0.1,a,b\n")
    assert refusal(both_csv).endswith(
        "line 1: both a 'source' and a 'citation' column: they mean the same, keep one"
    )

    long = write(
        tmp_path,
        "long.csv",
        f"task,metric,value,source\nt,m,0.1,{'x' * (MAX_CITATION_LENGTH + 1)}\n",
    )
    assert (
        refusal(long) == f"{long}: line 2: source is longer than {MAX_CITATION_LENGTH} characters"
    )


# -- other unknown columns are refused by name ----------------------------------------------


def test_unknown_csv_columns_are_refused_by_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, "evidence.csv", "stage,task,metric,vlaue,notes\npre,cybench,accuracy,0.4,rerun\n"
    )
    assert refusal(path) == f"{path}: line 1: unknown column(s) 'vlaue', 'notes' {KNOWN}"


def test_unknown_jsonl_keys_are_refused_naming_the_object(tmp_path: Path) -> None:
    good = {"stage": "pre", "task": "cybench", "metric": "accuracy", "value": 0.4}
    path = jsonl(tmp_path, "e.jsonl", good, good, {**good, "notes": "rerun", "run": 2})
    assert refusal(path) == f"{path}: line 3: unknown column(s) 'notes', 'run' {KNOWN}"


def test_hostile_column_names_stay_on_one_escaped_line(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", 'task,metric,value,"a\nb\u202e' + "z" * 500 + '"\nt,m,0.1,x\n')
    message = refusal(path)
    assert "'a\\nb\\u202e" in message
    assert len(message) < len(str(path)) + 200


def test_unnamed_columns_pass_only_when_empty(tmp_path: Path) -> None:
    # A trailing separator (a spreadsheet's emptied column) makes a column with no name: it
    # carries nothing, so it is read; a value written under it would be lost, so it is refused.
    trailing = write(tmp_path, "t.csv", "stage,task,metric,value,\npre,cybench,accuracy,0.4,\n")
    assert [r.value for r in read_evidence(trailing)] == [0.4]
    filled = write(
        tmp_path,
        "f.csv",
        "stage,task,metric,value,,\npre,cybench,accuracy,0.4,,\npre,cybench,acc,0.5,,see p. 3\n",
    )
    assert refusal(filled) == (
        f"{filled}: line 3: value 'see p. 3' in column 6, which has no name in the header: "
        "name the column or remove the value"
    )


# -- headers ignore case --------------------------------------------------------------------


def test_headers_ignore_case_and_spaces(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        " Stage ,Task,METRIC,Value,StdErr,N_Samples,Source\n"
        "post,cybench,accuracy,0.25,0.02,40,paper\n",
    )
    (row,) = read_evidence(path)
    assert (row.stage, row.task, row.metric, row.value, row.stderr, row.n_samples) == (
        "post",
        "cybench",
        "accuracy",
        0.25,
        0.02,
        40,
    )
    assert row.citation == "paper"
    objects = jsonl(tmp_path, "e.jsonl", {"Task": "cybench", "METRIC": "accuracy", "Value": 0.5})
    assert [(r.stage, r.task, r.value) for r in read_evidence(objects, "pre")] == [
        ("pre", "cybench", 0.5)
    ]


def test_names_that_differ_only_in_case_are_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "stage,task,metric,value,Task\npre,a,m,0.1,b\n")
    assert refusal(path) == (
        f"{path}: line 1: duplicate column 'Task' (same as 'task': names ignore case)"
    )
    same = write(tmp_path, "s.csv", "stage,task,metric,value,value\npre,a,m,0.1,0.2\n")
    assert refusal(same) == f"{same}: line 1: duplicate column 'value'"
    objects = jsonl(tmp_path, "d.jsonl", {"task": "a", "Task": "b", "metric": "m", "value": 1})
    assert refusal(objects).endswith(
        "line 1: duplicate column 'Task' (same as 'task': names ignore case)"
    )


# -- semicolon-separated files --------------------------------------------------------------


def test_semicolon_file_with_decimal_commas_reads_the_right_floats(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "excel.csv",
        "Stage;Task;Metric;Value;Stderr;N_samples;Source\n"
        "pre;cybench;accuracy;0,46;0,012;100;o1 card, p. 14\n"
        "pre;ctf_professional;accuracy;0.5;;1273\n"
        "pre;persuasion;percentile;85;;\n",
    )
    rows = read_evidence(path)
    assert [(r.task, r.value, r.stderr, r.n_samples) for r in rows] == [
        ("cybench", 0.46, 0.012, 100),
        ("ctf_professional", 0.5, None, 1273),
        ("persuasion", 85.0, None, None),
    ]
    assert rows[0].citation == "o1 card, p. 14"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "1.234",
            "value '1.234' is ambiguous in a semicolon-separated file, where ',' is the decimal "
            "mark ('.' a thousands separator or a decimal point?): write it without a thousands "
            "separator, with a decimal comma",
        ),
        (
            "1.234,5",
            "value '1.234,5' mixes '.' and ',': write it with one decimal comma and no "
            "thousands separator",
        ),
        ("0,4,6", "value '0,4,6' is not a number"),
    ],
)
def test_semicolon_numbers_that_read_two_ways_are_refused(
    tmp_path: Path, value: str, expected: str
) -> None:
    path = write(tmp_path, "e.csv", f"stage;task;metric;value\npre;cybench;accuracy;{value}\n")
    assert refusal(path) == f"{path}: line 2: {expected}"


def test_header_mixing_separators_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "stage;task;metric,value\npre;cybench;accuracy,0.4\n")
    assert refusal(path) == (
        f"{path}: line 1: the header mixes ',' and ';' between column names: "
        "use one separator throughout"
    )


def test_tab_separated_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "e.tsv", "stage\ttask\tmetric\tvalue\npre\tcybench\taccuracy\t0.4\n")
    assert [(r.task, r.value) for r in read_evidence(path)] == [("cybench", 0.4)]


def test_decimal_comma_in_a_comma_file_is_refused_naming_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", 'stage,task,metric,value\npre,cybench,accuracy,"0,46"\n')
    assert refusal(path) == (
        f"{path}: line 2: value '0,46' is not a number (a decimal comma? write 0.46, or "
        "separate the columns with ';' as spreadsheets using decimal commas do)"
    )


# -- rows that carry their own stage --------------------------------------------------------


def test_rows_with_their_own_stages_need_no_default(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mixed.csv",
        "stage,task,metric,value\npre,cybench,accuracy,0.4\npost,cybench,accuracy,0.2\n",
    )
    source = read(path, None)
    assert [(e.stage, e.value) for e in source.evidence] == [("pre", 0.4), ("post", 0.2)]
    base = {"task": "cybench", "metric": "accuracy", "value": 0.3}
    objects = jsonl(tmp_path, "mixed.jsonl", {**base, "stage": "post"}, {**base, "stage": "pre"})
    assert [e.stage for e in read(objects, None).evidence] == ["post", "pre"]


def test_a_row_without_a_stage_and_no_default_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        "stage,task,metric,value\npre,cybench,accuracy,0.4\n,cybench,accuracy,0.2\n",
    )
    assert refusal(path, None) == f"{path}: line 3: no stage: give the row a stage or pass --stage"
    assert [e.stage for e in read_evidence(path, "pre")] == ["pre", "pre"]
    base = {"task": "cybench", "metric": "accuracy", "value": 0.3}
    objects = jsonl(tmp_path, "e.jsonl", {**base, "stage": "pre"}, base)
    assert refusal(objects, None) == (
        f"{objects}: line 2: no stage: give the row a stage or pass --stage"
    )
    no_column = write(tmp_path, "n.csv", "task,metric,value\ncybench,accuracy,0.2\n")
    assert refusal(no_column, None) == (
        f"{no_column}: line 1: no stage column: give each row a stage or pass --stage"
    )


# -- judgment files -------------------------------------------------------------------------


def test_judgment_file_with_an_unknown_column_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "j.csv",
        "category,stage,level,by,rationale,reviewer\ncbrn,pre,medium,Dr. A,probing,B\n",
    )
    with pytest.raises(InputError) as raised:
        read_judgments(path)
    assert str(raised.value) == f"{path}: line 1: unknown column(s) 'reviewer' {JUDGMENT_KNOWN}"
    objects = jsonl(
        tmp_path,
        "j.jsonl",
        {"category": "cbrn", "stage": "pre", "level": "low", "by": "A", "rationale": "r"},
        {"category": "cbrn", "stage": "pre", "level": "low", "by": "A", "reason": "r"},
    )
    with pytest.raises(InputError) as raised:
        read_judgments(objects)
    assert str(raised.value) == f"{objects}: line 2: unknown column(s) 'reason' {JUDGMENT_KNOWN}"


def test_judgment_file_semicolons_and_mixed_case(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "j.csv",
        "Category;STAGE;Level;By;Rationale;Override;Kind\n"
        "cbrn;pre;medium;Dr. A;Expert probing, round 2;no;\n"
        "cybersecurity;post;low;SAG chair;Mitigations verified;yes;level\n",
    )
    first, second = read_judgments(path)
    assert (first.category, first.level, first.rationale, first.override) == (
        "cbrn",
        "medium",
        "Expert probing, round 2",
        False,
    )
    assert (second.by, second.override, second.kind) == ("SAG chair", True, "level")
    doubled = write(tmp_path, "d.csv", "category,stage,level,by,rationale,BY\ncbrn,pre,low,A,r,B\n")
    with pytest.raises(InputError, match=r"line 1: duplicate column 'BY' \(same as 'by'"):
        read_judgments(doubled)
