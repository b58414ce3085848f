"""rich's ``Text`` with every string's control characters escaped.

rich passes escape sequences through to the terminal, and what the CLI prints comes partly from
others (task names in logs, names and rationales people typed): a name must not be able to move
the cursor, recolour the screen or hide a line. Only imported where rich output is printed.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from scorecard.cli.output import terminal_safe


class SafeText(Text):
    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(terminal_safe(text), *args, **kwargs)

    def append(self, text: Any, style: Any = None) -> SafeText:
        super().append(terminal_safe(text) if isinstance(text, str) else text, style)
        return self
