"""Reading Inspect logs: scorecard's reader against Inspect's own, in the same run.

Baseline: ``inspect_ai.log.read_eval_log(path, header_only=True)``, the call a team would
otherwise script against. Both read the same directory of real logs (copies of the fixtures in
tests/fixtures/inspect, including the 1000-sample one); every metric value must be identical.
Also reported: the full ``scorecard ingest`` path (read + store in SQLite) per file, and the cost
of a 1000-sample log's header against a 10-sample one.

Needs a Python with both packages:  python -m venv /tmp/b && /tmp/b/bin/pip install -e . inspect-ai
Run:  /tmp/b/bin/python bench/ingest_bench.py [--copies 40] [--out bench/results/ingest.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scorecard.settings import Settings


def S(url: str, **changes: object) -> Settings:
    return Settings(database_url=url).using(**changes)


FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "inspect"
LOGS = [
    "wmdp_bio.eval",
    "two_scorers_3_epochs.eval",
    "two_scorers_2_reducers.eval",
    "many_samples.eval",
    "wmdp_bio.json",
]


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


def per_file(paths: list[Path], read: object) -> float:
    start = time.perf_counter()
    for path in paths:
        read(path)  # type: ignore[operator]
    return (time.perf_counter() - start) / len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=40, help="copies of each fixture log")
    parser.add_argument("--out", type=Path, default=Path("bench/results/ingest.json"))
    args = parser.parse_args()

    from inspect_ai.log import read_eval_log

    from scorecard.commands import ingest, init, models_add
    from scorecard.readers.detect import read

    work = Path(tempfile.mkdtemp(prefix="scorecard-ingest-bench-"))
    logs = work / "logs"
    logs.mkdir()
    paths: list[Path] = []
    for i in range(args.copies):
        for name in LOGS:
            target = logs / f"{i:04d}_{name}"
            shutil.copyfile(FIXTURES / name, target)
            paths.append(target)

    # Identical values: every metric Inspect reports, scorecard reports under scorer/metric.
    for name in LOGS:
        theirs = read_eval_log(str(FIXTURES / name), header_only=True)
        ours = {e.metric: e.value for e in read(FIXTURES / name, "pre").evidence}
        assert theirs.results is not None
        for score in theirs.results.scores:
            key = f"{score.name}[{score.reducer}]" if score.reducer else score.name
            for metric in score.metrics.values():
                assert ours[f"{key}/{metric.name}"] == metric.value, (name, key, metric.name)

    # Warm both readers once, then time them over the same files, alternating twice.
    read(paths[0], "pre")
    read_eval_log(str(paths[0]), header_only=True)
    inspect_times, ours_times = [], []
    for _ in range(2):
        inspect_times.append(per_file(paths, lambda p: read_eval_log(str(p), header_only=True)))
        ours_times.append(per_file(paths, lambda p: read(p, "pre")))
    inspect_s, ours_s = min(inspect_times), min(ours_times)

    # Per log type, and the header alone (without the whole-file sha256 that provenance needs):
    # the cost of a header does not grow with the samples behind it.
    from scorecard.readers.inspect_log import _eval_header

    by_type = {}
    for name in LOGS:
        group = [p for p in paths if p.name.endswith(f"_{name}")]
        theirs = min(
            per_file(group, lambda p: read_eval_log(str(p), header_only=True)) for _ in range(2)
        )
        ours = min(per_file(group, lambda p: read(p, "pre")) for _ in range(2))
        by_type[name] = {
            "inspect_ms": theirs * 1000,
            "scorecard_ms": ours * 1000,
            "speedup": theirs / ours,
        }
    small = [p for p in paths if p.name.endswith("_wmdp_bio.eval")]
    large = [p for p in paths if p.name.endswith("_many_samples.eval")]
    small_s = min(per_file(small, _eval_header) for _ in range(3))
    large_s = min(per_file(large, _eval_header) for _ in range(3))
    small_full = min(per_file(small, lambda p: read(p, "pre")) for _ in range(3))
    large_full = min(per_file(large, lambda p: read(p, "pre")) for _ in range(3))

    # The whole ingest path: read and store in SQLite, one transaction for the directory.
    url = f"sqlite:///{work / 'bench.db'}"
    init(S(url))
    models_add(S(url), "bench", "", "")
    start = time.perf_counter()
    ingest(S(url), [logs], "bench", "pre")
    ingest_s = (time.perf_counter() - start) / len(paths)

    results = {
        "files": len(paths),
        "inspect_read_eval_log_header_only_ms_per_file": inspect_s * 1000,
        "scorecard_reader_ms_per_file": ours_s * 1000,
        "speedup_reader_vs_inspect": inspect_s / ours_s,
        "scorecard_ingest_ms_per_file": ingest_s * 1000,
        "speedup_ingest_vs_inspect_read": inspect_s / ingest_s,
        "header_only_1000_samples_vs_10_samples": large_s / small_s,
        "with_sha256_1000_samples_vs_10_samples": large_full / small_full,
        "import_seconds_inspect_ai_log": import_seconds("inspect_ai.log"),
        "import_seconds_scorecard_readers": import_seconds("scorecard.readers.detect"),
        "identical_metric_values": True,
        "by_log_type": by_type,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    width = max(len(k) for k in results)
    for key, value in results.items():
        if isinstance(value, dict):
            continue
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    for name, row in by_type.items():
        print(
            f"  {name:<28} inspect {row['inspect_ms']:7.3f} ms  scorecard "
            f"{row['scorecard_ms']:6.3f} ms  speedup {row['speedup']:5.1f}x"
        )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
