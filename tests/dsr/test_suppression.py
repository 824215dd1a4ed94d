"""The suppression list holds keyed hashes only and finds normalised variants."""

from lethe.dsr import suppression
from lethe.dsr.models import Suppression


def test_suppressed_values_are_found_in_any_spelling_and_stored_as_hashes(db, system):
    added = suppression.add(
        system, [("email", "Anna.Berg@Example.se"), ("phone", "070-123 45 67")], "erasure"
    )
    assert added == 2
    assert suppression.add(system, [("email", "anna.berg@example.se")], "erasure") == 0
    found = suppression.matches(
        [("email", " ANNA.BERG@example.se"), ("phone", "+46701234567"), ("email", "x@y.se")]
    )
    assert found == {
        ("email", " ANNA.BERG@example.se"): ["erasure"],
        ("phone", "+46701234567"): ["erasure"],
    }
    assert suppression.matches([("email", "anna.berg@example.se")], reasons=["objection"]) == {}
    stored = " ".join(Suppression.objects.values_list("digest", flat=True))
    assert "anna" not in stored.lower() and "701234567" not in stored
