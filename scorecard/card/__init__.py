"""The system card's contract: its data from the record, the attached ``scorecard.json``, and
verification of a signed card against its own attachment, its signers and the database."""
