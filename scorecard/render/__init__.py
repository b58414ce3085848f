"""The system card: card data from the record, charts, HTML/Markdown, and the PDF/A-3b."""
