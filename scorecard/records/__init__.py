"""The system of record: models, evidence, scorecards, judgments, decisions and the audit chain.

Each public function here is one transaction; the CLI calls them through ``scorecard.command``.
"""
