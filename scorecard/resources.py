"""Where the data folders (framework packs, templates, migrations) are at run time.

In a wheel they sit inside the package (hatch's ``force-include`` maps them there); in an
editable install or a source checkout they sit at the top of the repository, beside the package.
Looking in both places, package first, makes both installs work with no configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from scorecard.errors import ScorecardError

DataFolder = Literal["categories", "migrations", "templates"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: DataFolder) -> Path:
    """Return the folder ``name`` as installed, or raise if the installation is broken."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise ScorecardError(
        f"the data folder {name!r} is missing from this installation "
        f"(looked in {_PACKAGE_DIR} and {_PACKAGE_DIR.parent}); reinstall scorecard"
    )


def example_dir() -> Path:
    """The bundled example evidence the demo scores."""
    return _PACKAGE_DIR / "data" / "example"
