"""Hostile logs: every broken, oversized or incomplete input is one clear error naming the file."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from scorecard.errors import InputError
from scorecard.readers import inspect_log, jsonhead
from scorecard.readers.detect import read
from scorecard.readers.inspect_log import _eval_header

FIXTURES = Path(__file__).parents[1] / "fixtures"
EVAL = FIXTURES / "inspect" / "wmdp_bio.eval"
JSON_LOG = FIXTURES / "inspect" / "wmdp_bio.json"
LM_EVAL = FIXTURES / "lmeval" / "results_wmdp_dummy.json"


def header() -> dict[str, Any]:
    return _eval_header(EVAL)


def eval_with(tmp_path: Path, document: dict[str, Any], name: str = "log.eval") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", json.dumps(document))
    return path


def refused(path: Path, pattern: str, **kwargs: Any) -> None:
    with pytest.raises(InputError) as raised:
        read(path, "pre", **kwargs)
    message = str(raised.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message
    import re

    assert re.search(pattern, message), message


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_truncated_archive(tmp_path: Path, cut: float) -> None:
    data = EVAL.read_bytes()
    path = tmp_path / "cut.eval"
    path.write_bytes(data[: int(len(data) * cut)])
    refused(path, r"not a readable \.eval archive|truncated|corrupt")


def test_corrupt_member_fails_its_checksum(tmp_path: Path) -> None:
    data = bytearray(EVAL.read_bytes())
    with zipfile.ZipFile(EVAL) as archive:
        info = archive.getinfo("header.json")
    name_length, extra_length = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x55
    path = tmp_path / "flipped.eval"
    path.write_bytes(bytes(data))
    refused(path, r"header\.json: (corrupt zstd data|checksum mismatch)")


def test_member_expanding_past_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A central directory that claims a tiny size: the bound must hold while decompressing.
    data = bytearray(EVAL.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        name_length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + name_length] == b"header.json":
            data[at + 24 : at + 28] = struct.pack("<L", 10)
        at += 4
    path = tmp_path / "bomb.eval"
    path.write_bytes(bytes(data))
    # header.json is 847 bytes compressed, 1804 expanded.
    monkeypatch.setattr(inspect_log, "MAX_HEADER_BYTES", 1000)
    refused(path, r"header\.json: expands past the 0 MiB limit")
    monkeypatch.setattr(inspect_log, "MAX_HEADER_BYTES", 500)
    refused(EVAL, r"header\.json: larger than the")


def test_json_nesting_and_size_bombs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"version": 2, "status": "success", "eval": ' + "[" * 200_000)
    refused(deep, r"not valid JSON|nested too deeply")
    deep_eval = tmp_path / "deep.eval"
    with zipfile.ZipFile(deep_eval, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", '{"eval": ' + "[" * 200_000 + "]" * 200_000 + "}")
    refused(deep_eval, r"nested too deeply")
    big = tmp_path / "big.json"
    big.write_text('{"version": 2, "status": "success", "eval": {"task": "' + "x" * 300_000)
    monkeypatch.setattr(inspect_log, "MAX_HEADER_BYTES", 1 << 18)
    monkeypatch.setattr(jsonhead, "_FIRST_READ", 1 << 16)
    refused(big, r"no header found in the first 0 MiB")


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (
            lambda h: h["results"]["scores"][0]["metrics"]["accuracy"].update(value=float("nan")),
            r"accuracy = nan is not finite",
        ),
        (
            lambda h: h["results"]["scores"][0]["metrics"]["accuracy"].update(value=float("inf")),
            r"accuracy = inf is not finite",
        ),
        (
            lambda h: h["results"]["scores"][0]["metrics"]["accuracy"].update(value=1.5),
            r"accuracy = 1.5 is outside \[0, 1\]",
        ),
        (
            lambda h: h["results"]["scores"][0]["metrics"]["accuracy"].update(value="0.6"),
            r"accuracy = '0.6' is not a number",
        ),
        (
            lambda h: h["results"]["scores"][0]["metrics"]["stderr"].update(value=-0.1),
            r"stderr -0.1 is not a finite, non-negative number",
        ),
        (lambda h: h["results"].update(completed_samples=-3), r"sample count -3 is negative"),
        (lambda h: h["results"].update(completed_samples=2.5), r"not a whole number"),
        (lambda h: h.pop("results"), r"no results section"),
        (lambda h: h["results"].update(scores=[]), r"results has no scores"),
        (lambda h: h["results"].update(scores={"a": 1}), r"results\.scores: expected a list"),
        (lambda h: h.update(status="cancelled"), r"status is 'cancelled'.*incomplete runs allowed"),
        (lambda h: h.update(status="weird"), r"unknown log status 'weird'"),
        (lambda h: h.update(eval="nope"), r"eval: expected an object"),
        (lambda h: h["eval"].pop("task"), r"eval\.task: expected a non-empty string"),
    ],
)
def test_bad_inspect_headers(tmp_path: Path, edit: Any, pattern: str) -> None:
    document = header()
    edit(document)
    refused(eval_with(tmp_path, document), pattern)
    # The same header as a .json log fails the same way.
    as_json = tmp_path / "log.json"
    as_json.write_text(json.dumps({**document, "samples": []}))
    refused(as_json, pattern)


def test_nan_stderr_means_no_stderr(tmp_path: Path) -> None:
    document = header()
    document["results"]["scores"][0]["metrics"]["stderr"]["value"] = float("nan")
    source = read(eval_with(tmp_path, document), "pre")
    assert {e.metric: e.stderr for e in source.evidence}["accuracy"] is None


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda d: d["results"]["wmdp_bio"].update({"acc,none": float("nan")}), r"not finite"),
        (lambda d: d["results"]["wmdp_bio"].update({"acc,none": "high"}), r"is not a number"),
        (lambda d: d["results"]["wmdp_bio"].update({"acc,none": 1.2}), r"outside \[0, 1\]"),
        (lambda d: d["n-samples"]["wmdp_bio"].update(effective=-1), r"negative"),
        (lambda d: d.pop("results"), r"results: expected an object"),
        (lambda d: d.update(results={"t": {"alias": "t"}}), r"results has no metrics"),
    ],
)
def test_bad_lm_eval_results(tmp_path: Path, edit: Any, pattern: str) -> None:
    document = json.loads(LM_EVAL.read_text())
    edit(document)
    path = tmp_path / "results_x.json"
    path.write_text(json.dumps(document))
    refused(path, pattern, fmt="lm-eval")


def test_incomplete_run_with_results_is_flagged(tmp_path: Path) -> None:
    document = header()
    document["status"] = "cancelled"
    source = read(eval_with(tmp_path, document), "pre", allow_incomplete=True)
    assert source.metadata["complete"] is False
    assert source.evidence and source.metadata["status"] == "cancelled"
