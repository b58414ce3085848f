"""The pure core: levels, frameworks, evidence, scoring and governance. No I/O happens here."""
