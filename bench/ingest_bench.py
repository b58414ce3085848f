"""Ingesting Inspect logs: scorecard against Inspect's own reader, in the same run.

Baseline: ``inspect_ai.log.read_eval_log(path, header_only=True)``, the call a team would
otherwise script against.

1. **Whole process, as a user sees it** (the goal: at least 10x). ``scorecard ingest FOLDER``
   (read, check and store in SQLite, one transaction) against a Python process that reads the
   same logs with ``read_eval_log(header_only=True)``. Each side runs on a folder of 1 log and
   a folder of N logs, in separate processes; per file = (T_N - T_1) / (N - 1), so start-up
   (imports, opening the database) is subtracted. The N logs are small real Inspect logs (the
   fixtures in tests/fixtures/inspect, rewritten by Inspect itself with a new eval id each, so
   every file has other bytes). Each run launches --repeats pairs (1 log, N logs) per side,
   interleaved, and takes the median difference; median and range over --runs runs. Wall-clock
   time, and the CPU time of the processes.
2. **In process, the readers alone**: every metric value must be identical; per log type, and a
   1000-sample log's header against a 10-sample one.

Needs a Python with both packages:  python -m venv /tmp/b && /tmp/b/bin/pip install -e . inspect-ai
Run:  /tmp/b/bin/python bench/ingest_bench.py [--files 200] [--runs 5] [--repeats 3] [--nice -10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "inspect"
SMALL = ["wmdp_bio.eval", "two_scorers_3_epochs.eval", "two_scorers_2_reducers.eval"]
LOGS = [*SMALL, "many_samples.eval", "wmdp_bio.json"]
INSPECT_READ = (
    "import sys\n"
    "from pathlib import Path\n"
    "from inspect_ai.log import read_eval_log\n"
    "for path in sorted(Path(sys.argv[1]).iterdir()):\n"
    "    read_eval_log(str(path), header_only=True)\n"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Data ----------------------------------------------------------------------------------------


def make_logs(folder: Path, count: int) -> list[Path]:
    """``count`` small real logs, each with other bytes: Inspect rewrites a fixture with a new
    eval id (its own writer, so the files are what Inspect produces)."""
    from inspect_ai.log import read_eval_log, write_eval_log

    folder.mkdir(parents=True, exist_ok=True)
    originals = {name: read_eval_log(str(FIXTURES / name)) for name in SMALL}
    paths = []
    for i in range(count):
        name = SMALL[i % len(SMALL)]
        original = originals[name]
        original.eval.eval_id = f"scorecard-bench-{i:05d}"
        path = folder / f"{i:05d}_{name}"
        write_eval_log(original, str(path))
        paths.append(path)
    return paths


# --- Whole process -------------------------------------------------------------------------------


def run_process(argv: list[str], env: dict[str, str], nice: int = 0) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one process, to its exit.

    ``nice`` below 0 (--nice): on a machine others are busy with, both sides get the CPU as on
    an idle one (it needs the right to raise priority)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        check=False,
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} ... failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


class Sides:
    """The two commands, each on a folder; scorecard's on a fresh copy of a prepared database."""

    def __init__(self, work: Path, nice: int) -> None:
        self.work = work
        self.nice = nice
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.template = work / "template.db"
        url = f"sqlite:///{self.template}"
        for argv in (["init"], ["models", "add", "bench"]):
            run_process([sys.executable, "-m", "scorecard", *argv, "--database", url], self.env)

    def scorecard(self, folder: Path) -> tuple[float, float]:
        db = self.work / "run.db"
        for stale in self.work.glob("run.db*"):
            stale.unlink()
        shutil.copyfile(self.template, db)
        argv = [sys.executable, "-m", "scorecard", "ingest", str(folder), "--model", "bench"]
        argv += ["--stage", "pre", "--accept-model", "mockllm/model"]
        return run_process([*argv, "--database", f"sqlite:///{db}"], self.env, self.nice)

    def inspect(self, folder: Path) -> tuple[float, float]:
        return run_process([sys.executable, "-c", INSPECT_READ, str(folder)], self.env, self.nice)


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def whole_process(work: Path, files: int, runs: int, repeats: int, nice: int) -> dict[str, Any]:
    log(f"whole process: making {files} logs with Inspect's writer ...")
    many = work / "many"
    paths = make_logs(many, files)
    one = work / "one"
    one.mkdir()
    shutil.copyfile(paths[0], one / paths[0].name)
    sides = Sides(work, nice)
    sides.scorecard(one)  # warm the file cache and the bytecode of both sides once
    sides.inspect(one)
    samples: dict[str, list[dict[str, float]]] = {"scorecard": [], "inspect": []}
    for run in range(runs):
        # Launches in pairs, 1 log then N logs (then N then 1), both sides interleaved: this
        # machine's speed drifts by tens of percent over seconds, so only launches made next
        # to each other are compared; each run takes the median of its pairs.
        pairs: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {
            "scorecard": [],
            "inspect": [],
        }
        for repeat in range(repeats):
            for name, side in (("scorecard", sides.scorecard), ("inspect", sides.inspect)):
                if repeat % 2 == 0:
                    t1 = side(one)
                    tn = side(many)
                else:
                    tn = side(many)
                    t1 = side(one)
                pairs[name].append((t1, tn))
        for name, measured in pairs.items():
            wall = statistics.median(tn[0] - t1[0] for t1, tn in measured)
            cpu = statistics.median(tn[1] - t1[1] for t1, tn in measured)
            samples[name].append(
                {
                    "t1_s": statistics.median(t1[0] for t1, _ in measured),
                    "tn_s": statistics.median(tn[0] for _, tn in measured),
                    "ms_per_file": wall / (files - 1) * 1000,
                    "cpu_ms_per_file": cpu / (files - 1) * 1000,
                }
            )
        ours, theirs = samples["scorecard"][-1], samples["inspect"][-1]
        log(
            f"  run {run + 1}: scorecard {ours['ms_per_file']:.3f} ms/file "
            f"(T1 {ours['t1_s']:.2f} s), inspect {theirs['ms_per_file']:.3f} ms/file "
            f"(T1 {theirs['t1_s']:.2f} s): {theirs['ms_per_file'] / ours['ms_per_file']:.1f}x; "
            f"CPU {theirs['cpu_ms_per_file'] / ours['cpu_ms_per_file']:.1f}x"
        )
    ratios = [
        t["ms_per_file"] / o["ms_per_file"]
        for o, t in zip(samples["scorecard"], samples["inspect"], strict=True)
    ]
    cpu_ratios = [
        t["cpu_ms_per_file"] / o["cpu_ms_per_file"]
        for o, t in zip(samples["scorecard"], samples["inspect"], strict=True)
    ]
    return {
        "files": files,
        "runs": runs,
        "repeats": repeats,
        "scorecard_ms_per_file": spread([s["ms_per_file"] for s in samples["scorecard"]]),
        "inspect_ms_per_file": spread([s["ms_per_file"] for s in samples["inspect"]]),
        "speedup": spread(ratios),
        "speedup_of_medians": statistics.median(s["ms_per_file"] for s in samples["inspect"])
        / statistics.median(s["ms_per_file"] for s in samples["scorecard"]),
        "scorecard_cpu_ms_per_file": spread([s["cpu_ms_per_file"] for s in samples["scorecard"]]),
        "inspect_cpu_ms_per_file": spread([s["cpu_ms_per_file"] for s in samples["inspect"]]),
        "speedup_cpu": spread(cpu_ratios),
        "scorecard_start_s": spread([s["t1_s"] for s in samples["scorecard"]]),
        "inspect_start_s": spread([s["t1_s"] for s in samples["inspect"]]),
        "samples": samples,
    }


# --- In process: the readers ---------------------------------------------------------------------


def per_file(paths: list[Path], read: Callable[[Path], object]) -> float:
    start = time.perf_counter()
    for path in paths:
        read(path)
    return (time.perf_counter() - start) / len(paths)


def readers(work: Path, copies: int) -> dict[str, Any]:
    from inspect_ai.log import read_eval_log

    from scorecard.readers.detect import read
    from scorecard.readers.inspect_log import _eval_header

    logs = work / "copies"
    logs.mkdir()
    paths: list[Path] = []
    for i in range(copies):
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

    def inspect_read(path: Path) -> object:
        return read_eval_log(str(path), header_only=True)

    def ours_read(path: Path) -> object:
        return read(path, "pre")

    read(paths[0], "pre")
    read_eval_log(str(paths[0]), header_only=True)
    inspect_s = min(per_file(paths, inspect_read) for _ in range(2))
    ours_s = min(per_file(paths, ours_read) for _ in range(2))
    by_type = {}
    for name in LOGS:
        group = [p for p in paths if p.name.endswith(f"_{name}")]
        theirs_s = min(per_file(group, inspect_read) for _ in range(2))
        mine_s = min(per_file(group, ours_read) for _ in range(2))
        by_type[name] = {
            "inspect_ms": theirs_s * 1000,
            "scorecard_ms": mine_s * 1000,
            "speedup": theirs_s / mine_s,
        }
    # The header alone costs the same whatever the number of samples behind it.
    small = [p for p in paths if p.name.endswith("_wmdp_bio.eval")]
    large = [p for p in paths if p.name.endswith("_many_samples.eval")]
    small_s = min(per_file(small, _eval_header) for _ in range(3))
    large_s = min(per_file(large, _eval_header) for _ in range(3))
    return {
        "files": len(paths),
        "inspect_read_eval_log_header_only_ms_per_file": inspect_s * 1000,
        "scorecard_reader_ms_per_file": ours_s * 1000,
        "speedup_reader_vs_inspect": inspect_s / ours_s,
        "header_only_1000_samples_vs_10_samples": large_s / small_s,
        "identical_metric_values": True,
        "by_log_type": by_type,
    }


# --- Report --------------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> str:
    w = result["whole_process"]

    def fmt(d: dict[str, float], unit: str = "") -> str:
        return f"{d['median']:.3f}{unit} (range {d['min']:.3f}-{d['max']:.3f})"

    lines = [
        f"Whole process, {w['files']} small Inspect logs vs 1, start-up subtracted, "
        f"{w['runs']} runs (median, range):",
        f"  scorecard ingest (read + check + store, SQLite)  {fmt(w['scorecard_ms_per_file'])} "
        "ms/file",
        f"  read_eval_log(header_only=True)                  {fmt(w['inspect_ms_per_file'])} "
        "ms/file",
        f"  speedup (wall)                                   {fmt(w['speedup'], 'x')}; "
        f"of the medians {w['speedup_of_medians']:.1f}x",
        f"  CPU: scorecard {fmt(w['scorecard_cpu_ms_per_file'])} ms/file, inspect "
        f"{fmt(w['inspect_cpu_ms_per_file'])} ms/file, speedup {fmt(w['speedup_cpu'], 'x')}",
        f"  start-up (T1): scorecard {fmt(w['scorecard_start_s'], ' s')}, inspect "
        f"{fmt(w['inspect_start_s'], ' s')}",
    ]
    r = result["readers"]
    lines += [
        "",
        f"In process, readers alone ({r['files']} files, identical values):",
        f"  inspect {r['inspect_read_eval_log_header_only_ms_per_file']:.3f} ms/file, "
        f"scorecard {r['scorecard_reader_ms_per_file']:.3f} ms/file, "
        f"speedup {r['speedup_reader_vs_inspect']:.1f}x; a 1000-sample header costs "
        f"{r['header_only_1000_samples_vs_10_samples']:.2f}x a 10-sample one",
    ]
    lines += [
        f"    {name:<28} inspect {row['inspect_ms']:7.3f} ms  scorecard "
        f"{row['scorecard_ms']:6.3f} ms  speedup {row['speedup']:5.1f}x"
        for name, row in r["by_log_type"].items()
    ]
    lines.append(f"  load average at the end {result['load_average_end']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=200, help="logs in the large folder")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--repeats", type=int, default=3, help="pairs of launches (1 and N logs) per run"
    )
    parser.add_argument("--copies", type=int, default=40, help="in-process: copies per fixture")
    parser.add_argument(
        "--nice", type=int, default=0, help="niceness of the measured processes (e.g. -10)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingest.json")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="scorecard-ingest-bench-"))
    try:
        result: dict[str, Any] = {
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_average_start": os.getloadavg(),
            "nice": args.nice,
            "whole_process": whole_process(work, args.files, args.runs, args.repeats, args.nice),
        }
        log("in process: the readers ...")
        result["readers"] = readers(work, args.copies)
        result["load_average_end"] = tuple(round(x, 2) for x in os.getloadavg())
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        print(report(result))
        print(f"\nwrote {args.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
