"""What people see is what is checked: the signed pages must show the attached record.

The card is rendered again from its own attachment, and the text of every signed page is
compared with the text of the re-rendered document (poppler's ``pdftotext``). Words are
compared as one stream, so a page break that falls elsewhere on another machine's fonts does
not matter, while any word, level, decision or value that differs does; the report names the
signed page where the first difference is.

What this cannot see: text drawn as an image, or text hidden under other content. The coverage
check forbids changes after signing, so such a page would have to be made before a trusted
person signed it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from scorecard.errors import CheckFailed

_TIMEOUT_S = 60
_MAX_TEXT = 16 << 20


def page_words(pdf: bytes) -> list[list[str]]:
    """The words of each page, in reading order."""
    try:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"],
            input=pdf,
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise CheckFailed("pdftotext (poppler-utils) is not installed") from None
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"the page text could not be read in {_TIMEOUT_S} s") from None
    if done.returncode != 0 or len(done.stdout) > _MAX_TEXT:
        raise CheckFailed("the page text could not be read")
    pages = done.stdout.decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends the last page with a form feed too
    return [page.split() for page in pages]


def rendered_words(card: dict[str, Any]) -> list[list[str]]:
    """The words of each page of the card rendered afresh from ``card``."""
    import weasyprint

    from scorecard.render.html import render_html, stylesheet
    from scorecard.render.pdf import locked_fetcher
    from scorecard.resources import data_dir

    fetcher = locked_fetcher()
    base = data_dir("templates").resolve().as_uri() + "/"
    document = weasyprint.HTML(string=render_html(card), base_url=base, url_fetcher=fetcher)
    css = weasyprint.CSS(string=stylesheet(), base_url=base, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[css])
    return page_words(pdf)


def compare_pages(signed: list[list[str]], expected: list[list[str]]) -> list[str]:
    """Where the signed pages' words differ from the expected ones (empty when they agree)."""
    flat_signed = [(number, word) for number, page in enumerate(signed, 1) for word in page]
    flat_expected = [word for page in expected for word in page]
    for i, (number, word) in enumerate(flat_signed):
        if i >= len(flat_expected):
            return [f"page {number} shows text the record does not give: {_context(signed, i)}"]
        if word != flat_expected[i]:
            return [
                f"page {number} shows {_context(signed, i)!s} where the record gives "
                f"{' '.join(flat_expected[i : i + 8])!r}"
            ]
    if len(flat_expected) > len(flat_signed):
        missing = " ".join(flat_expected[len(flat_signed) :][:8])
        return [f"the pages end before the record does: {missing!r}…"]
    return []


def _context(pages: list[list[str]], index: int) -> str:
    words = [word for page in pages for word in page]
    return repr(" ".join(words[index : index + 8]))


def check_pages(pdf: Path, card: dict[str, Any]) -> list[str]:
    """Problems (empty when the signed pages show exactly the attached record)."""
    return compare_pages(page_words(pdf.read_bytes()), rendered_words(card))
