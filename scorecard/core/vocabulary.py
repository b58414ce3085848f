"""Plain names the rest of the code and the CLI's help share, with no models behind them (the
CLI imports these to list choices, and must not pay for pydantic to show ``--help``)."""

from __future__ import annotations

JUDGMENT_KINDS: tuple[str, ...] = ("level", "safeguards")
"""``level`` rates a category or indicator; ``safeguards`` says safeguards were judged
sufficient up to a level (for v2-style gates)."""

POLICIES: tuple[str, ...] = ("point", "upper-ci")
"""How a measured value is rated: its point estimate, or the upper end of its interval."""
