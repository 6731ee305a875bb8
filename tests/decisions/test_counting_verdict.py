"""Review verdicts ("did we do what we said?") on worked examples, figured out by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from decisions.counting import (
    BallotError,
    Counting,
    Verdict,
    VerdictBallot,
    count_verdict,
    validate_verdict_ballot,
)

EQUAL = Counting.EQUAL_CONSTITUENCIES
LIVED, CARER, CLINICIAN = "lived_experience", "carer", "clinician"
AS, DIFF, NOT = "as_decided", "differently", "not_done"


def _ballots(given: dict[str, list[str]]) -> list[VerdictBallot]:
    return [VerdictBallot(name, v) for name, verdicts in given.items() for v in verdicts]


def test_the_verdict_most_members_gave_leads_and_each_is_counted() -> None:
    # 3 as decided, 1 differently, 1 not done: "done as decided" leads with 3.
    result = count_verdict(_ballots({LIVED: [AS, AS, NOT], CARER: [AS, DIFF]}))
    assert result.leading is Verdict.AS_DECIDED
    assert result.counts == {AS: 3, DIFF: 1, NOT: 1}
    assert result.ballots == 5
    assert result.explanation == ('Most said "done as decided" (3).',)
    assert not result.decided_by_tie_break


def test_a_tie_goes_to_the_verdict_saying_less_was_done_and_is_noted() -> None:
    # 2 as decided, 2 not done: the tie goes to "not done", never the more flattering one.
    result = count_verdict(_ballots({LIVED: [AS, NOT], CARER: [AS, NOT]}), label="Night line")
    assert result.leading is Verdict.NOT_DONE
    assert result.decided_by_tie_break
    (tie,) = result.tie_breaks
    assert tie.options == (Verdict.NOT_DONE, Verdict.AS_DECIDED)
    assert "on a tie, the verdict saying less was done leads" in tie.note
    assert tie.where == "verdict on 'Night line'"
    # 1 as decided, 1 differently: "done differently" leads.
    assert count_verdict(_ballots({LIVED: [AS, DIFF]})).leading is Verdict.DIFFERENTLY


def test_equal_constituencies_give_each_group_the_same_weight_whatever_its_turnout() -> None:
    # 4 people with lived experience say "not done"; 1 carer and 1 clinician say "as decided".
    # One person one vote: not done 4, as decided 2. Equal constituencies: not done 1 (4 x 1/4),
    # as decided 2 (1 + 1): the two smaller groups together outweigh the larger one.
    ballots = _ballots({LIVED: [NOT] * 4, CARER: [AS], CLINICIAN: [AS]})
    assert count_verdict(ballots).leading is Verdict.NOT_DONE
    equal = count_verdict(ballots, counting=EQUAL)
    assert equal.counts == {AS: 2, DIFF: 0, NOT: 1}
    assert equal.weights == {LIVED: Fraction(1, 4), CARER: 1, CLINICIAN: 1}
    assert equal.leading is Verdict.AS_DECIDED


def test_each_constituency_is_counted_alone_one_person_one_vote() -> None:
    ballots = _ballots({LIVED: [NOT, NOT, DIFF], CARER: [AS, AS, AS]})
    result = count_verdict(ballots, counting=EQUAL)
    assert list(result.constituencies) == [LIVED, CARER]
    assert result.constituencies[LIVED].leading is Verdict.NOT_DONE
    assert result.constituencies[LIVED].counts == {AS: 0, DIFF: 1, NOT: 2}
    assert result.constituencies[CARER].leading is Verdict.AS_DECIDED
    # Equal constituencies with 3 in each: as decided 1, differently 1/3, not done 2/3.
    assert result.leading is Verdict.AS_DECIDED


def test_comments_are_kept_without_names_in_alphabetical_order() -> None:
    ballots = [
        VerdictBallot(CARER, AS, "  The call came every time. "),
        VerdictBallot(LIVED, NOT, "Nobody told us."),
        VerdictBallot(LIVED, DIFF, ""),
    ]
    result = count_verdict(ballots)
    assert result.comments == ("Nobody told us.", "The call came every time.")
    assert result.constituencies[CARER].comments == ("The call came every time.",)


def test_nobody_voting_leads_to_no_verdict() -> None:
    result = count_verdict([])
    assert result.leading is None
    assert result.explanation == ("Nobody gave a verdict.",)
    assert result.counts == {AS: 0, DIFF: 0, NOT: 0}


def test_a_ballot_needs_a_verdict_on_every_recommendation() -> None:
    options = ["a", "b"]
    labels = {"a": "Night line", "b": "Carer call"}
    checked = validate_verdict_ballot(
        {"a": {"verdict": AS, "comment": " Good. "}, "b": {"verdict": NOT}},
        options=options,
        labels=labels,
    )
    assert checked == {
        "a": {"verdict": AS, "comment": "Good."},
        "b": {"verdict": NOT, "comment": ""},
    }
    with pytest.raises(BallotError, match='"Carer call"'):
        validate_verdict_ballot({"a": {"verdict": AS}}, options=options, labels=labels)
    with pytest.raises(BallotError, match="Choose what happened"):
        validate_verdict_ballot(
            {"a": {"verdict": "maybe"}, "b": {"verdict": AS}}, options=options, labels=labels
        )
    with pytest.raises(BallotError, match="not in this review"):
        validate_verdict_ballot(
            {"a": {"verdict": AS}, "b": {"verdict": AS}, "z": {"verdict": AS}}, options=options
        )
    with pytest.raises(BallotError, match="too long"):
        validate_verdict_ballot(
            {"a": {"verdict": AS, "comment": "x" * 501}, "b": {"verdict": AS}}, options=options
        )


def test_an_unknown_verdict_in_stored_ballots_is_refused() -> None:
    with pytest.raises(BallotError):
        count_verdict([VerdictBallot(LIVED, "great")])
