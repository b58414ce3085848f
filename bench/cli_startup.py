"""How long `scorecard --help` takes, as a ratio of `python -c "import typer"` in the same run.

Heavy libraries stay out of the CLI's import path, so the ratio should stay near 1.
Run: .venv/bin/python bench/cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    cases = {
        "python -c 'import typer' (baseline)": [sys.executable, "-c", "import typer"],
        "scorecard --help": [str(BIN / "scorecard"), "--help"],
        "scorecard score --help": [str(BIN / "scorecard"), "score", "--help"],
    }
    baseline = None
    for name, argv in cases.items():
        seconds = timed(argv, args.runs)
        baseline = baseline or seconds
        print(f"{name:40s} median {seconds * 1000:7.1f} ms  ratio {seconds / baseline:5.2f}")


if __name__ == "__main__":
    main()
