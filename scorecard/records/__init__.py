"""The system of record: models, evidence, scorecards, judgments, decisions and the audit chain.

Functions here work inside a caller's session (``records.session``); every insert goes through
``records.write.add``, which appends the audit event in the same transaction.
"""
