"""Rendering (and signing) the system card: what scorecard adds on top of the libraries.

Baselines, measured in the same run on the same documents: WeasyPrint alone rendering the same
HTML to PDF/A-3b, and (when signing is available) pyHanko alone signing the same PDF. Reported:
pages, seconds and peak memory for the demo card and a large card (a model with 200 measured
indicators), and the overhead of scorecard's full path over the sum of the baselines.

Run: .venv/bin/python bench/render_bench.py [--runs 3] [--out bench/results/render.json]
Each measurement runs in its own process, so peak memory (ru_maxrss) is that step's own.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from scorecard.settings import Settings


def S(url: str, **changes: object) -> Settings:
    return Settings(database_url=url).using(**changes)


ROOT = Path(__file__).resolve().parents[1]


def step(code: str, runs: int) -> dict[str, float]:
    """Run ``code`` in fresh processes; it prints the seconds of the timed part."""
    wrapper = textwrap.dedent("""
        import json, resource, sys, time
        {code}
        print(json.dumps({{"seconds": seconds,
              "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
    """).format(code=textwrap.indent(textwrap.dedent(code), "").strip())
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", wrapper], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "peak_mb": max(r["peak_mb"] for r in results),
    }


def big_pack(folder: Path, per_category: int = 50) -> None:
    """preparedness-v1 with 50 extra measured indicators per category (200 in all)."""
    shutil.copytree(ROOT / "categories" / "preparedness-v1", folder)
    header = folder / "framework.toml"
    header.write_text(header.read_text().replace('id = "preparedness-v1"', 'id = "bench-200"'))
    for name in ("cybersecurity", "cbrn", "persuasion", "model_autonomy"):
        path = folder / f"{name}.toml"
        extra = "".join(
            f'\n[[indicators]]\nid = "{name}_extra_{i}"\nname = "Synthetic {name} task {i}"\n'
            f'evaluations = ["{name}_task_{i}"]\nmetric = "accuracy"\n'
            f"thresholds = {{ medium = 0.4, high = 0.7, critical = 0.95 }}\n"
            for i in range(per_category)
        )
        path.write_text(path.read_text() + extra)


def prepare(work: Path) -> dict[str, Path]:
    """Two scored databases: the demo model, and a model with 200 indicators' evidence."""
    from scorecard.commands import demo, ingest, init, models_add, score_model

    demo(work / "demo")
    pack = work / "packs" / "bench-200"
    big_pack(pack)
    url = f"sqlite:///{work / 'big.db'}"
    init(S(url))
    models_add(S(url), "Big", "1", "200 indicators")
    for stage in ("pre", "post"):
        rows = ["task,metric,value,stderr"]
        rows += [
            f"{c}_task_{i},accuracy,{(i * 37 % 100) / 100:.2f},0.02"
            for c in ("cybersecurity", "cbrn", "persuasion", "model_autonomy")
            for i in range(50)
        ]
        csv = work / f"big-{stage}.csv"
        csv.write_text("\n".join(rows) + "\n")
        ingest(S(url), [csv], "Big@1", stage)
    score_model(S(url, framework_id="bench-200", framework_path=(pack.parent,)), "Big@1")
    return {"demo": work / "demo" / "scorecard.db", "big": work / "big.db"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/render.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scorecard-render-bench-"))
    databases = prepare(work)
    from scorecard.sign.keys import new_identity

    cert, key = new_identity("Bench Signer", "bench@example.org", work / "id", b"bench-pass")
    models = {"demo": "Kestrel-2@2026-11", "big": "Big@1"}
    results: dict[str, dict[str, object]] = {}
    for name, db in databases.items():
        url = f"sqlite:///{db}"
        html = work / f"{name}.html"
        card_json = work / f"{name}.json"
        # The same HTML, CSS and attachment WeasyPrint alone is given.
        subprocess.run(
            [
                sys.executable,
                "-c",
                textwrap.dedent(f"""
            import json
            from scorecard.records import models
            from scorecard.records.session import reading
            from scorecard.render import card as card_data
            from scorecard.render.html import render_html
            with reading({url!r}) as s:
                card = card_data.build(s, models.resolve(s, {models[name]!r}))
            open({str(html)!r}, "w").write(render_html(card))
            open({str(card_json)!r}, "w").write(json.dumps(card, indent=2, sort_keys=True))
        """),
            ],
            check=True,
            cwd=ROOT,
        )
        weasy = step(
            f"""
            import weasyprint
            from scorecard.render.html import stylesheet
            html = open({str(html)!r}).read(); css = stylesheet()
            payload = open({str(card_json)!r}).read()
            t = time.perf_counter()
            weasyprint.HTML(string=html).write_pdf({str(work / (name + "-weasy.pdf"))!r},
                stylesheets=[weasyprint.CSS(string=css)], pdf_variant="pdf/a-3b",
                attachments=[weasyprint.Attachment(string=payload, name="scorecard.json",
                                                   relationship="Data")])
            seconds = time.perf_counter() - t
        """,
            args.runs,
        )
        full = step(
            f"""
            from pathlib import Path
            import weasyprint, sqlalchemy, jinja2  # imported before the clock, as for WeasyPrint
            import scorecard.render.pdf, scorecard.render.html, scorecard.card.data
            from scorecard.commands import render
            from scorecard.settings import Settings
            t = time.perf_counter()
            render(Settings(database_url={url!r}), {models[name]!r},
                   Path({str(work / (name + ".pdf"))!r}))
            seconds = time.perf_counter() - t
        """,
            args.runs,
        )
        # Signing: pyHanko alone on WeasyPrint's PDF, against scorecard's sign (which also reads
        # the attached record and stores the signature in the database).
        pyhanko = step(
            f"""
            from pyhanko.sign import signers, fields
            from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
            t = time.perf_counter()
            signer = signers.SimpleSigner.load({str(key)!r}, {str(cert)!r},
                                               key_passphrase=b"bench-pass")
            with open({str(work / (name + "-weasy.pdf"))!r}, "rb") as inf:
                w = IncrementalPdfFileWriter(inf, strict=False)
                meta = signers.PdfSignatureMetadata(field_name="Signature1",
                    subfilter=fields.SigSeedSubFilter.PADES, reason="SAG chair", name="B",
                    certify=True, docmdp_permissions=fields.MDPPerm.FILL_FORMS)
                with open({str(work / (name + "-pyhanko.pdf"))!r}, "wb") as out:
                    signers.PdfSigner(meta, signer=signer).sign_pdf(w, output=out)
            seconds = time.perf_counter() - t
        """,
            args.runs,
        )
        ours_sign = step(
            f"""
            import shutil
            from pathlib import Path
            import pyhanko.sign, sqlalchemy  # imported before the clock, as for pyHanko
            from scorecard.commands import sign
            from scorecard.settings import Settings
            import scorecard.sign.signer, scorecard.records.documents, scorecard.card.attachment
            shutil.copyfile({str(work / (name + ".pdf"))!r}, {str(work / (name + "-s.pdf"))!r})
            t = time.perf_counter()
            sign(Settings(database_url={url!r}), Path({str(work / (name + "-s.pdf"))!r}),
                 Path({str(work / (name + "-s.pdf"))!r}), key=Path({str(key)!r}),
                 cert=Path({str(cert)!r}), passphrase=b"bench-pass", role="SAG chair", name="B")
            seconds = time.perf_counter() - t
        """,
            args.runs,
        )
        pages = subprocess.run(
            ["pdfinfo", str(work / f"{name}.pdf")], capture_output=True, text=True, check=True
        ).stdout
        page_count = int(
            next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:"))
        )
        results[name] = {
            "pages": page_count,
            "weasyprint_alone_s": weasy["seconds"],
            "weasyprint_alone_peak_mb": weasy["peak_mb"],
            "scorecard_render_s": full["seconds"],
            "scorecard_render_peak_mb": full["peak_mb"],
            "overhead_vs_weasyprint": full["seconds"] / weasy["seconds"] - 1,
            "pyhanko_alone_s": pyhanko["seconds"],
            "scorecard_sign_s": ours_sign["seconds"],
            "scorecard_sign_peak_mb": ours_sign["peak_mb"],
            "overhead_render_and_sign": (full["seconds"] + ours_sign["seconds"])
            / (weasy["seconds"] + pyhanko["seconds"])
            - 1,
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for name, row in results.items():
        print(
            f"{name:5s} pages {row['pages']:3d}  render: WeasyPrint alone "
            f"{row['weasyprint_alone_s']:.2f} s ({row['weasyprint_alone_peak_mb']:.0f} MB), "
            f"scorecard {row['scorecard_render_s']:.2f} s ({row['scorecard_render_peak_mb']:.0f}"
            f" MB), {row['overhead_vs_weasyprint']:+.1%}"
        )
        print(
            f"      sign: pyHanko alone {row['pyhanko_alone_s']:.2f} s, scorecard "
            f"{row['scorecard_sign_s']:.2f} s ({row['scorecard_sign_peak_mb']:.0f} MB); "
            f"render + sign overhead {row['overhead_render_and_sign']:+.1%}"
        )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
