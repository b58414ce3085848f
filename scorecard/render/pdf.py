"""The PDF/A-3b: WeasyPrint with a locked-down URL fetcher and the card data attached.

Rendering text written by others is a security boundary: WeasyPrint would fetch any URL a
document names (local files, the network, /dev/urandom). The fetcher here serves ``data:`` URLs
and files inside the packaged templates folder; anything else stops the render with an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorecard.card.attachment import ATTACHMENT, DESCRIPTION, payload
from scorecard.errors import ScorecardError
from scorecard.files import write_with
from scorecard.resources import data_dir


class FetchRefused(ScorecardError):
    """The document tried to load something from outside the card itself."""


def locked_fetcher() -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    assets = data_dir("templates").resolve()

    class LockedFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(
                allowed_protocols={"data", "file"},
                allow_redirects=False,
                fail_on_errors=True,
                timeout=1,
            )
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(url.removeprefix("file://").split("?")[0]).resolve()
                if path.is_relative_to(assets) and path.is_file():
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url[:200]!r}")

    return LockedFetcher()


def write_pdf(html: str, css: str, card: dict[str, Any], target: Path) -> None:
    """Render ``html`` to ``target`` as PDF/A-3b with the card data attached, atomically."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    fetcher = locked_fetcher()
    base = data_dir("templates").resolve().as_uri() + "/"
    attachment = weasyprint.Attachment(
        string=payload(card),
        base_url=base,
        url_fetcher=fetcher,
        name=ATTACHMENT,
        description=DESCRIPTION,
        relationship="Data",
    )

    def produce(tmp: Path) -> None:
        try:
            document = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher)
            stylesheet = weasyprint.CSS(string=css, base_url=base, url_fetcher=fetcher)
            document.write_pdf(
                tmp,
                stylesheets=[stylesheet],
                pdf_variant="pdf/a-3b",
                attachments=[attachment],
                uncompressed_pdf=False,
                custom_metadata=True,
            )
        except FatalURLFetchingError as exc:
            raise FetchRefused(
                f"the card tried to load an outside resource and was stopped: {exc}"
            ) from None
        if fetcher.refused:  # WeasyPrint swallows some fetch errors: any refusal is fatal
            raise FetchRefused(f"the card tried to load {fetcher.refused[0][:200]!r}: refused")

    write_with(target, produce)


class PdfFormat:
    """PDF/A-3b with the record attached as ``scorecard.json``."""

    name = "pdf"
    description = "PDF/A-3b with the record attached"

    def write(self, card: dict[str, Any], target: Path) -> None:
        from scorecard.render.html import render_html, stylesheet

        write_pdf(render_html(card), stylesheet(), card, target)
