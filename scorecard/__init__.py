"""scorecard: preparedness scorecards for frontier AI models.

The package is split in three rings: ``scorecard.core`` is pure (levels, frameworks, scoring,
governance: no I/O); adapters read and write the world (``scorecard.packs``,
``scorecard.readers``); ``scorecard.cli`` turns typed errors into messages and exit codes.
"""

__version__ = "0.1.0"
