"""Properties of review verdicts, checked on ballots hypothesis makes up."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from decisions.counting import Verdict, VerdictBallot, count_verdict
from decisions.counting.verdict import TIE_ORDER
from tests.decisions.counting_strategies import EQUAL, ONE, constituencies, countings, thorough

verdicts = st.sampled_from([verdict.value for verdict in Verdict])
comments = st.sampled_from(["", "", "Good", "Late", "  Slow  "])
ballots = st.lists(st.builds(VerdictBallot, constituencies, verdicts, comments), max_size=30)


@thorough
@given(ballots, countings, st.randoms())
def test_the_order_ballots_arrive_in_makes_no_difference(ballots, counting, random) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(ballots)
    random.shuffle(shuffled)
    assert count_verdict(ballots, counting=counting) == count_verdict(shuffled, counting=counting)


@thorough
@given(ballots)
def test_one_person_one_vote_counts_every_ballot_once_and_parts_add_up(ballots) -> None:  # type: ignore[no-untyped-def]
    result = count_verdict(ballots, counting=ONE)
    expected = Counter(ballot.verdict for ballot in ballots)
    assert {verdict: result.counts[verdict] for verdict in Verdict} == {
        verdict: expected[verdict.value] for verdict in Verdict
    }
    for verdict in Verdict:
        assert (
            sum(part.counts[verdict] for part in result.constituencies.values())
            == (result.counts[verdict])
        )


@thorough
@given(ballots, countings)
def test_the_leading_verdict_has_the_most_and_ties_go_to_less_done(ballots, counting) -> None:  # type: ignore[no-untyped-def]
    result = count_verdict(ballots, counting=counting)
    if not ballots:
        assert result.leading is None
        return
    most = max(result.counts.values())
    assert result.counts[result.leading] == most
    tied = [verdict for verdict in TIE_ORDER if result.counts[verdict] == most]
    assert result.leading is tied[0]
    assert result.decided_by_tie_break == (len(tied) > 1)


@thorough
@given(ballots)
def test_equal_constituencies_give_every_group_that_voted_a_total_weight_of_one(ballots) -> None:  # type: ignore[no-untyped-def]
    result = count_verdict(ballots, counting=EQUAL)
    assert sum(result.counts.values()) == len(result.constituencies)
    for weight in result.weights.values():
        assert isinstance(weight, Fraction)


@thorough
@given(ballots, countings)
def test_comments_never_carry_more_than_was_written_and_are_sorted(ballots, counting) -> None:  # type: ignore[no-untyped-def]
    result = count_verdict(ballots, counting=counting)
    written = sorted(ballot.comment.strip() for ballot in ballots if ballot.comment.strip())
    assert list(result.comments) == written
