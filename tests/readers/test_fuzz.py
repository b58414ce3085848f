"""Fuzzing every reader: malformed input is always an InputError, never anything else.

Byte-level mutations aim at the end of the real ``.eval`` archive (where ``header.json`` and the
central directory live); structural mutations put arbitrary JSON at the paths readers look at.
"""

from __future__ import annotations

import json
import math
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scorecard.errors import InputError
from scorecard.readers.detect import read
from scorecard.readers.inspect_log import _eval_header
from scorecard.readers.interface import SourceFile
from tests.conftest import S

FIXTURES = Path(__file__).parents[1] / "fixtures"
EVAL = (FIXTURES / "inspect" / "wmdp_bio.eval").read_bytes()
HEADER = _eval_header(FIXTURES / "inspect" / "wmdp_bio.eval")
LM_EVAL = json.loads((FIXTURES / "lmeval" / "results_wmdp_dummy.json").read_text())
FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
INSPECT_PATHS: list[tuple[Any, ...]] = [
    ("status",),
    ("version",),
    ("eval",),
    ("eval", "task"),
    ("eval", "model"),
    ("eval", "created"),
    ("eval", "config"),
    ("results",),
    ("results", "scores"),
    ("results", "scores", 0),
    ("results", "scores", 0, "metrics"),
    ("results", "scores", 0, "metrics", "accuracy"),
    ("results", "scores", 0, "metrics", "accuracy", "value"),
    ("results", "scores", 0, "metrics", "stderr", "value"),
    ("results", "scores", 0, "name"),
    ("results", "scores", 0, "reducer"),
    ("results", "headline"),
    ("results", "completed_samples"),
    ("results", "total_samples"),
    ("error",),
]
LM_EVAL_PATHS: list[tuple[Any, ...]] = [
    ("results",),
    ("results", "wmdp_bio"),
    ("results", "wmdp_bio", "acc,none"),
    ("results", "wmdp_bio", "acc_stderr,none"),
    ("n-samples",),
    ("n-samples", "wmdp_bio"),
    ("n-samples", "wmdp_bio", "effective"),
    ("config",),
    ("model_name",),
    ("date",),
]


def check_sane(source: SourceFile) -> None:
    for item in source.evidence:
        assert math.isfinite(item.value)
        assert item.stderr is None or (math.isfinite(item.stderr) and item.stderr >= 0)
        assert item.n_samples is None or item.n_samples >= 0


def read_or_refuse(data: bytes, suffix: str, **kwargs: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"log{suffix}"
        path.write_bytes(data)
        try:
            source = read(path, "pre", **kwargs)
        except InputError as exc:
            message = str(exc)
        else:
            check_sane(source)
            return
        assert message.startswith(str(path))
        assert "\n" not in message


def put(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["flip", "cut", "insert", "delete"]),
            st.integers(1, 2500),
            st.binary(min_size=1, max_size=8),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_eval_archives(mutations: list[tuple[str, int, bytes]]) -> None:
    blob = bytearray(EVAL)
    for kind, back, payload in mutations:
        at = max(0, len(blob) - back)
        if kind == "flip" and at < len(blob):
            blob[at] ^= payload[0] or 1
        elif kind == "cut":
            del blob[at:]
        elif kind == "insert":
            blob[at:at] = payload
        else:
            del blob[at : at + len(payload)]
    read_or_refuse(bytes(blob), ".eval")


@FUZZ
@given(
    st.sampled_from(INSPECT_PATHS), json_values, st.sampled_from([".eval", ".json"]), st.booleans()
)
def test_structurally_broken_inspect_headers(
    path: tuple[Any, ...], value: Any, suffix: str, allow: bool
) -> None:
    document = json.loads(json.dumps(HEADER))
    put(document, path, value)
    if suffix == ".json":
        data = json.dumps({**document, "samples": [{"id": 1}]}).encode()
    else:
        with tempfile.TemporaryDirectory() as folder:
            archive_path = Path(folder) / "x.eval"
            with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("header.json", json.dumps(document))
            data = archive_path.read_bytes()
    read_or_refuse(data, suffix, allow_incomplete=allow)


@FUZZ
@given(st.sampled_from(LM_EVAL_PATHS), json_values)
def test_structurally_broken_lm_eval_results(path: tuple[Any, ...], value: Any) -> None:
    document = json.loads(json.dumps(LM_EVAL))
    put(document, path, value)
    read_or_refuse(json.dumps(document).encode(), ".json", fmt="lm-eval")


@FUZZ
@given(
    st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    st.sampled_from([".csv", ".jsonl", ".json", ".eval", ""]),
)
def test_arbitrary_bytes_with_any_name(data: bytes, suffix: str) -> None:
    read_or_refuse(data, suffix)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 2500), st.binary(min_size=1, max_size=4))
def test_cli_never_shows_a_traceback_and_stores_nothing_on_failure(back: int, junk: bytes) -> None:
    from scorecard.cli import app
    from scorecard.commands import init, models_add, models_list

    blob = bytearray(EVAL)
    blob[len(blob) - back : len(blob) - back + len(junk)] = junk
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/db.sqlite"
        init(S(url))
        models_add(S(url), "M", "", "")
        good = Path(folder) / "good.eval"
        good.write_bytes(EVAL)
        bad = Path(folder) / "mutated.eval"
        bad.write_bytes(bytes(blob))
        args = ["ingest", str(good), str(bad), "-m", "M", "-s", "pre", "--database", url]
        # The fixture log was made with Inspect's mock model.
        result = CliRunner().invoke(app, [*args, "--accept-model", "mockllm/model"])
        assert result.exit_code in (0, 1), result.output
        rows = models_list(S(url))[0]["evidence"]
        if result.exit_code == 1:
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
            assert rows == 0
        else:
            assert rows > 0
        from scorecard.db.engine import dispose, resolve_url

        dispose(resolve_url(url))
