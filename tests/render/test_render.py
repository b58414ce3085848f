"""The system card: PDF/A-3b with the record attached, HTML and Markdown, and untrusted text."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scorecard.card.attachment import extract as extract_attachment
from scorecard.card.recompute import recompute
from scorecard.commands import (
    attest,
    decide,
    ingest,
    judge,
    mitigate,
    models_add,
    render,
    score_model,
)
from scorecard.core.evidence import Judgment
from scorecard.errors import ScorecardError
from scorecard.render.pdf import FetchRefused, write_pdf
from scorecard.resources import example_dir
from tests.conftest import S


def pdftext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def scored(kestrel: str) -> str:
    score_model(S(kestrel), "Kestrel-2", by="tester")
    attest(S(kestrel), "Kestrel-2", "security", "CISO", "weights in the enclave")
    decide(S(kestrel), "Kestrel-2", "deploy", "sag", "SAG chair", "post is medium")
    return kestrel


def test_pdf_is_pdf_a_3b_with_the_record_attached(scored: str, tmp_path: Path) -> None:
    out = tmp_path / "card.pdf"
    card = render(S(scored), "Kestrel-2", out)
    info = subprocess.run(
        ["pdfinfo", "-meta", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert "pdfaid:part>3<" in info.replace('"', "<").replace("='", ">") or "pdfaid:part" in info
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in info or 'pdfaid:conformance="B"' in info
    attached = json.loads(extract_attachment(out))
    assert attached == json.loads(json.dumps(card))
    assert recompute(attached) == []
    fonts = subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts)  # every font embedded
    listing = subprocess.run(
        ["pdfdetach", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert "scorecard.json" in listing
    text = pdftext(out)
    for expected in (
        "Kestrel-2",
        "HIGH",
        "MEDIUM",
        "Governance record",
        "Provenance",
        "pre.csv",
        "Page 1 of",
        "Safety Advisory",
    ):
        assert expected in text


def test_html_and_markdown(scored: str, tmp_path: Path) -> None:
    html = tmp_path / "card.html"
    render(S(scored), "Kestrel-2", html, "html")
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "Kestrel-2" in page
    assert "<svg" in page  # the charts
    md = tmp_path / "card.md"
    render(S(scored), "Kestrel-2", md, "md")
    summary = md.read_text()
    assert "| Cybersecurity | high | medium |" in summary
    assert "May deploy: **yes**" in summary


def test_stale_scorecard_is_not_rendered(scored: str, tmp_path: Path) -> None:
    judge(
        S(scored),
        "Kestrel-2",
        Judgment(category="cbrn", stage="pre", level="high", by="x", rationale="y"),
    )
    with pytest.raises(ScorecardError, match="is out of date"):
        render(S(scored), "Kestrel-2", tmp_path / "card.pdf")
    assert not (tmp_path / "card.pdf").exists()


HOSTILE = '<img src="file:///etc/hostname"><b>bold</b><style>*{color:red}</style>&amp;'


def test_untrusted_text_is_inert(db: str, tmp_path: Path) -> None:
    models_add(S(db), "Mallory", "", f"desc {HOSTILE}", by=f"adder {HOSTILE}")
    evidence = tmp_path / "e.csv"
    rows = ["task,metric,value"]
    rows += [f'"{name}",accuracy,0.1' for name in (f"task {HOSTILE}".replace('"', '""'),)]
    rows.append("ctf_professional,accuracy,0.3")
    evidence.write_text("\n".join(rows) + "\n")
    ingest(S(db), [evidence], "Mallory", "pre")
    judge(
        S(db),
        "Mallory",
        Judgment(
            category="cbrn",
            stage="pre",
            level="medium",
            by=f"judge {HOSTILE}",
            rationale=f"why {HOSTILE}",
        ),
    )
    mitigate(S(db), "Mallory", "cybersecurity", f"team {HOSTILE}", f"did {HOSTILE}")
    score_model(S(db), "Mallory")
    out = tmp_path / "card.pdf"
    render(S(db), "Mallory", out)
    squashed = "".join(pdftext(out).split())  # lines may break anywhere, even inside "</b>"
    for prefix in ("desc", "judge", "why", "team", "did"):
        shown = "".join(f'{prefix} <img src="file:///etc/hostname"><b>bold</b>'.split())
        assert shown in squashed, prefix
    html = tmp_path / "card.html"
    render(S(db), "Mallory", html, "html")
    page = html.read_text()
    assert '<img src="file:///etc/hostname">' not in page
    assert "&lt;img src=&#34;file:///etc/hostname&#34;&gt;" in page
    md = tmp_path / "card.md"
    render(S(db), "Mallory", md, "md")
    assert "<img" not in md.read_text()


def test_the_fetcher_refuses_everything_outside(tmp_path: Path) -> None:
    card = {"format": "test"}
    for url in (
        "file:///etc/hostname",
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "file:///dev/urandom",
    ):
        html = f'<html><body><p>x</p><img src="{url}"></body></html>'
        with pytest.raises(FetchRefused, match="refused"):
            write_pdf(html, "", card, tmp_path / "x.pdf")
        assert not (tmp_path / "x.pdf").exists()
    css_import = '@import url("file:///etc/hostname");'
    with pytest.raises(FetchRefused):
        write_pdf("<p>x</p>", css_import, card, tmp_path / "x.pdf")
    svg = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
    data_url = f'<img src="data:image/svg+xml;base64,{svg}">'
    write_pdf(f"<p>x</p>{data_url}", "", card, tmp_path / "ok.pdf")
    assert (tmp_path / "ok.pdf").stat().st_size > 1000


def test_example_evidence_file_is_where_the_demo_expects() -> None:
    assert (example_dir() / "evidence-pre.csv").is_file()
