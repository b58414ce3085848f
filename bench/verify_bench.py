"""Verifying a signed system card, as a user waits for it: whole processes on both sides.

Measured in the same run: `scorecard verify CARD --trust-role ... [--database URL]` against
poppler's `pdfsig CARD` (which checks only the signatures) on the demo card and a large card (a
model with 200 measured indicators, signed by two people), and `scorecard verify` on hostile
files built here (many small streams, a compression bomb, deep nesting). Each number is the
median and range of --runs processes, with the peak resident memory of the worst run
(`/usr/bin/time -f %M`).

Run: .venv/bin/python bench/verify_bench.py [--runs 5] [--out bench/results/verify.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_bench import S, prepare

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = b"bench-pass"


def measure(command: list[str], runs: int, expect: int | None = 0) -> dict[str, float]:
    seconds, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, check=False
        )
        seconds.append(time.perf_counter() - start)
        if expect is not None and done.returncode != expect:
            raise SystemExit(f"{command[:4]} exited {done.returncode}: {done.stdout[-500:]}")
        peaks.append(int(done.stderr.strip().splitlines()[-1]) / 1024)
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_mb": max(peaks),
    }


def signed_card(work: Path, name: str, url: str, model: str) -> tuple[Path, list[str]]:
    from scorecard.commands import render, sign
    from scorecard.sign.keys import new_identity

    pdf = work / f"{name}.pdf"
    render(S(url), model, pdf, signatories=[("SAG chair", "Dr. Jonas Berg"), ("CEO", "A. Moreau")])
    bound = []
    for role, person in (("SAG chair", "Dr. Jonas Berg"), ("CEO", "A. Moreau")):
        cert, key = new_identity(person, "x@example.org", work / name / role, PASSPHRASE)
        sign(S(url), pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role=role)
        bound.append(f"--trust-role={role}={cert}")
    return pdf, bound


def hostile(work: Path, base: bytes) -> dict[str, Path]:
    """Incremental updates appended to a signed card: what an attacker can hand a verifier."""
    files = {}
    streams = b"".join(
        b"%d 0 obj\n<< /Length 1 >>\nstream\nx\nendstream\nendobj\n" % (100000 + i)
        for i in range(12000)
    )
    files["12,000 small streams"] = base + b"\n" + streams
    bomb = zlib.compress(b"\0" * (200 << 20), 9)
    files["200 MB deflate bomb"] = (
        base
        + b"\n999999 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb)
        + bomb
        + b"\nendstream\nendobj\n"
    )
    files["arrays nested 100,000 deep"] = (
        base + b"\n999998 0 obj\n" + b"[" * 100_000 + b"]" * 100_000 + b"\nendobj\n"
    )
    paths = {}
    for name, data in files.items():
        path = work / f"hostile-{len(paths)}.pdf"
        path.write_bytes(data)
        paths[name] = path
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/verify.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scorecard-verify-bench-"))
    databases = prepare(work)  # the demo model, and a model with 200 indicators (render_bench)
    models = {"demo": "Kestrel-2@2026-11", "big": "Big@1"}
    cards = {
        name: signed_card(work, name, f"sqlite:///{db}", models[name])
        for name, db in databases.items()
    }
    scorecard = [sys.executable, "-m", "scorecard", "verify"]
    results: dict[str, object] = {}
    for name, (pdf, bound) in cards.items():
        info = ["pdfinfo", str(pdf)]
        pages = subprocess.run(info, capture_output=True, text=True, check=True).stdout
        page_count = next(ln.split()[-1] for ln in pages.splitlines() if ln.startswith("Pages:"))
        pdfsig = measure(["pdfsig", str(pdf)], args.runs)
        ours = measure([*scorecard, str(pdf), *bound], args.runs)
        results[name] = {
            "pages": int(page_count),
            "bytes": pdf.stat().st_size,
            "pdfsig": pdfsig,
            "scorecard_verify": ours,
            "ratio_median": ours["median_s"] / pdfsig["median_s"],
        }
        print(
            f"{name}: {page_count} pages, verify {ours['median_s']:.2f} s "
            f"({ours['min_s']:.2f}-{ours['max_s']:.2f}), {ours['peak_mb']:.0f} MB; pdfsig "
            f"{pdfsig['median_s']:.3f} s; ratio {ours['median_s'] / pdfsig['median_s']:.1f}x"
        )
    base = cards["demo"][0].read_bytes()
    for name, path in hostile(work, base).items():
        ours = measure([*scorecard, str(path), *cards["demo"][1]], args.runs, expect=1)
        results[f"hostile: {name}"] = {"bytes": path.stat().st_size, "scorecard_verify": ours}
        print(
            f"hostile, {name} ({path.stat().st_size >> 10} KB): verify {ours['median_s']:.2f} s, "
            f"{ours['peak_mb']:.0f} MB, refused"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
