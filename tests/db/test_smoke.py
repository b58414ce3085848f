from scorecard.command import audit_verify, score_model


def test_score_and_verify(kestrel: str) -> None:
    data = score_model(kestrel, "Kestrel-2", by="tester")
    assert data["overall"]["pre"] == "high"
    assert audit_verify(kestrel).ok
