"""Properties on ballots hypothesis makes up: equal constituencies ignore turnout, tie-breaks
are reported exactly when they decide, verdicts follow their definitions, validation and
counting agree."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from decisions.counting import (
    CONSTITUENCIES,
    BallotError,
    Consensus,
    ConsentRules,
    Counting,
    RankingRules,
    ScoringRules,
    count_consent,
    count_dots,
    count_ranking,
    count_scoring,
    validate_dots_ballot,
    validate_ranking_ballot,
)
from tests.decisions.counting_strategies import (
    EQUAL,
    Ballots,
    consent_ballots,
    countings,
    dots_votes,
    doubled,
    ranking_votes,
    scoring_votes,
    thorough,
    unblocked_ballots,
    weights_of,
)

# --- Equal constituencies ignore turnout -------------------------------------------------------


@thorough
@given(votes=dots_votes(), data=st.data())
def test_equal_dots_do_not_change_when_a_constituency_doubles(votes: Any, data: Any) -> None:
    options, rules, ballots = votes
    before = count_dots(ballots, options=options, rules=rules, counting=EQUAL)
    after = count_dots(doubled(ballots, data), options=options, rules=rules, counting=EQUAL)
    assert (after.totals, after.supporters, after.order, after.tie_breaks) == (
        before.totals,
        before.supporters,
        before.order,
        before.tie_breaks,
    )


@thorough
@given(votes=ranking_votes(), data=st.data())
def test_equal_ranking_does_not_change_when_a_constituency_doubles(votes: Any, data: Any) -> None:
    options, max_ranks, ballots = votes
    rules = RankingRules(max_ranks)
    before = count_ranking(ballots, options=options, rules=rules, counting=EQUAL)
    after = count_ranking(doubled(ballots, data), options=options, rules=rules, counting=EQUAL)
    assert after.points == before.points
    assert after.runoff.winner == before.runoff.winner
    assert after.runoff.tie_breaks == before.runoff.tie_breaks

    def weighed(rounds: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(dict(r.tallies), r.exhausted, r.excluded, r.elected) for r in rounds]

    assert weighed(after.runoff.rounds) == weighed(before.runoff.rounds)


@thorough
@given(ballots=consent_ballots, within=st.booleans(), data=st.data())
def test_equal_consent_does_not_change_when_a_constituency_doubles(
    ballots: Ballots, within: bool, data: Any
) -> None:
    rules = ConsentRules(within_every_constituency=within)
    before = count_consent(ballots, rules=rules, counting=EQUAL)
    after = count_consent(doubled(ballots, data), rules=rules, counting=EQUAL)
    assert (after.answers, after.agreement, after.passed) == (
        before.answers,
        before.agreement,
        before.passed,
    )


@thorough
@given(votes=scoring_votes(), within=st.booleans(), data=st.data())
def test_equal_scoring_does_not_change_when_a_constituency_doubles(
    votes: Any, within: bool, data: Any
) -> None:
    options, ballots = votes
    rules = ScoringRules(within_every_constituency=within)
    before = count_scoring(ballots, options=options, rules=rules, counting=EQUAL)
    after = count_scoring(doubled(ballots, data), options=options, rules=rules, counting=EQUAL)
    assert after.scores == before.scores


@thorough
@given(votes=ranking_votes(), data=st.data())
def test_with_equal_turnout_both_ways_of_counting_agree(votes: Any, data: Any) -> None:
    options, max_ranks, ballots = votes
    # Give every constituency that voted the same turnout: copy the first ballot of each.
    names = sorted({name for name, _ in ballots})
    assume(names)
    turnout = max(sum(1 for name, _ in ballots if name == each) for each in names)
    padded = list(ballots)
    for name in names:
        mine = [ballot for ballot in ballots if ballot[0] == name]
        padded += [mine[0]] * (turnout - len(mine))
    rules = RankingRules(max_ranks)
    one = count_ranking(padded, options=options, rules=rules)
    equal = count_ranking(padded, options=options, rules=rules, counting=EQUAL)
    assert {option: points / turnout for option, points in one.points.points.items()} == dict(
        equal.points.points
    )
    assert one.points.order == equal.points.order
    assert one.runoff.winner == equal.runoff.winner


# --- Tie-breaks are reported exactly when they decide --------------------------------------------


@thorough
@given(votes=ranking_votes(), counting=countings)
def test_a_points_tie_break_is_reported_for_every_tie_and_only_then(
    votes: Any, counting: Counting
) -> None:
    options, max_ranks, ballots = votes
    result = count_ranking(
        ballots, options=options, rules=RankingRules(max_ranks), counting=counting
    )
    points = result.points.points
    ties = [
        (above, below)
        for above, below in pairwise(result.points.order)
        if points[above] == points[below]
    ]
    assert [tie.options for tie in result.points.tie_breaks] == ties
    # The order is the published rule: points, then first places, second places..., then the
    # published list.
    places = result.points.places
    assert result.points.order == tuple(
        sorted(
            options,
            key=lambda option: (
                -points[option],
                *(-number for number in places[option]),
                options.index(option),
            ),
        )
    )


@thorough
@given(votes=ranking_votes(), counting=countings)
def test_a_runoff_tie_break_is_reported_when_the_fewest_are_tied(
    votes: Any, counting: Counting
) -> None:
    options, max_ranks, ballots = votes
    runoff = count_ranking(
        ballots, options=options, rules=RankingRules(max_ranks), counting=counting
    ).runoff
    tied_rounds = [
        round_.number
        for round_ in runoff.rounds
        if len(round_.excluded) == 1
        and sum(1 for votes_ in round_.tallies.values() if votes_ == min(round_.tallies.values()))
        > 1
    ]
    assert [int(tie.where.rsplit(" ", 1)[1]) for tie in runoff.tie_breaks] == tied_rounds
    for tie in runoff.tie_breaks:
        number = int(tie.where.rsplit(" ", 1)[1])
        assert runoff.rounds[number - 1].excluded == (tie.options[-1],)


# --- The verdicts follow their definitions -----------------------------------------------------


@thorough
@given(
    ballots=st.one_of(consent_ballots, unblocked_ballots),
    counting=countings,
    within=st.booleans(),
    data=st.data(),
)
def test_consent_passes_exactly_as_defined(
    ballots: Ballots, counting: Counting, within: bool, data: Any
) -> None:
    threshold = data.draw(
        st.one_of(st.sampled_from([Fraction(1, 2), Fraction(2, 3)]), st.fractions(0, 1))
    )
    result = count_consent(
        ballots,
        rules=ConsentRules(threshold=threshold, within_every_constituency=within),
        counting=counting,
    )

    def agreement(of: Ballots, weights: dict[str, Fraction]) -> Fraction | None:
        agree = sum((weights[name] for name, answer, _ in of if answer == "agree"), Fraction(0))
        sided = sum((weights[name] for name, answer, _ in of if answer != "abstain"), Fraction(0))
        return agree / sided if sided else None

    whole = agreement(ballots, weights_of(ballots, counting))
    expected = whole is not None and whole >= threshold
    expected = expected and not any(answer == "block" for _, answer, _ in ballots)
    if within:
        for name in {ballot[0] for ballot in ballots}:
            own = [ballot for ballot in ballots if ballot[0] == name]
            alone = agreement(own, {name: Fraction(1)})
            expected = expected and (alone is None or alone >= threshold)
    assert result.agreement == whole
    assert result.passed == expected


@thorough
@given(
    majority=st.sampled_from(CONSTITUENCIES),
    minority=st.sampled_from(CONSTITUENCIES),
    agreeing=st.integers(1, 40),
    agree=st.integers(0, 6),
    disagree=st.integers(1, 6),
    threshold=st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)]),
    counting=countings,
)
def test_within_every_constituency_no_group_is_outvoted(
    majority: str,
    minority: str,
    agreeing: int,
    agree: int,
    disagree: int,
    threshold: Fraction,
    counting: Counting,
) -> None:
    assume(majority != minority and Fraction(agree, agree + disagree) < threshold)
    ballots = (
        [(majority, "agree", "")] * agreeing
        + [(minority, "agree", "")] * agree
        + [(minority, "disagree", "")] * disagree
    )
    anyhow = count_consent(ballots, rules=ConsentRules(threshold=threshold), counting=counting)
    assert anyhow.passed == (anyhow.agreement is not None and anyhow.agreement >= threshold)
    within = ConsentRules(threshold=threshold, within_every_constituency=True)
    result = count_consent(ballots, rules=within, counting=counting)
    assert not result.passed
    assert any(sentence.startswith("Among ") for sentence in result.explanation)


@thorough
@given(votes=scoring_votes())
def test_scoring_verdicts_follow_the_delphi_rule(votes: Any) -> None:
    options, ballots = votes
    result = count_scoring(ballots, options=options)
    for option in options:
        given_scores = [scores[option] for _, scores in ballots if option in scores]
        if not given_scores:
            assert result.scores[option].consensus is Consensus.NO_CONSENSUS
            continue
        high = Fraction(sum(1 for score in given_scores if score >= 7), len(given_scores))
        low = Fraction(sum(1 for score in given_scores if score <= 3), len(given_scores))
        if high >= Fraction(7, 10) and low < Fraction(3, 20):
            expected = Consensus.IN
        elif low >= Fraction(7, 10) and high < Fraction(3, 20):
            expected = Consensus.OUT
        else:
            expected = Consensus.NO_CONSENSUS
        assert result.scores[option].consensus is expected
        assert (result.scores[option].high, result.scores[option].low) == (high, low)


# --- Validation and counting agree -------------------------------------------------------------


@thorough
@given(votes=ranking_votes(), data=st.data())
def test_a_valid_ranking_is_accepted_and_counted_as_given(votes: Any, data: Any) -> None:
    options, max_ranks, ballots = votes
    rules = RankingRules(max_ranks)
    for _, ranking in ballots:
        if not ranking:
            continue
        ranks = {option: place for place, option in enumerate(ranking, start=1)}
        assert validate_ranking_ballot(ranks, rules=rules, options=options) == ranking
        # Any broken numbering is refused with a message.
        broken = dict(ranks)
        victim = data.draw(st.sampled_from(list(ranks)))
        was = ranks[victim]
        broken[victim] = data.draw(st.integers(-2, max_ranks + 2).filter(was.__ne__))
        with pytest.raises(BallotError):
            validate_ranking_ballot(broken, rules=rules, options=options)


@thorough
@given(votes=dots_votes())
def test_every_ballot_the_dots_validator_accepts_can_be_counted(votes: Any) -> None:
    options, rules, ballots = votes
    accepted: Ballots = []
    for name, dots in ballots:
        try:
            accepted.append((name, validate_dots_ballot(dots, rules=rules, options=options)))
        except BallotError:
            assert not dots  # only an empty ballot is refused here
    count_dots(accepted, options=options, rules=rules)
