"""Properties every count must have, on ballots hypothesis makes up: order, totals, unanimity,
parts adding up (equal constituencies, tie-breaks and verdicts: test_counting_fairness.py)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from decisions.counting import (
    ConsentRules,
    Counting,
    RankingRules,
    ScoringRules,
    count_consent,
    count_dots,
    count_ranking,
    count_scoring,
)
from tests.decisions.counting_strategies import (
    ONE,
    POOL,
    Ballots,
    consent_ballots,
    countings,
    dots_votes,
    ranking_votes,
    recounted_runoff,
    scoring_votes,
    thorough,
    weights_of,
)

# --- Order does not matter ---------------------------------------------------------------------


@thorough
@given(votes=ranking_votes(), counting=countings, data=st.data())
def test_ranking_ignores_the_order_of_ballots(votes: Any, counting: Counting, data: Any) -> None:
    options, max_ranks, ballots = votes
    shuffled = data.draw(st.permutations(ballots))
    rules = RankingRules(max_ranks)
    assert count_ranking(ballots, options=options, rules=rules, counting=counting) == (
        count_ranking(shuffled, options=options, rules=rules, counting=counting)
    )


@thorough
@given(votes=dots_votes(), counting=countings, data=st.data())
def test_dots_ignore_the_order_of_ballots(votes: Any, counting: Counting, data: Any) -> None:
    options, rules, ballots = votes
    shuffled = data.draw(st.permutations(ballots))
    assert count_dots(ballots, options=options, rules=rules, counting=counting) == count_dots(
        shuffled, options=options, rules=rules, counting=counting
    )


@thorough
@given(ballots=consent_ballots, counting=countings, within=st.booleans(), data=st.data())
def test_consent_ignores_the_order_of_ballots(
    ballots: Ballots, counting: Counting, within: bool, data: Any
) -> None:
    rules = ConsentRules(within_every_constituency=within)
    shuffled = data.draw(st.permutations(ballots))
    assert count_consent(ballots, rules=rules, counting=counting) == count_consent(
        shuffled, rules=rules, counting=counting
    )


@thorough
@given(votes=scoring_votes(), counting=countings, within=st.booleans(), data=st.data())
def test_scoring_ignores_the_order_of_ballots(
    votes: Any, counting: Counting, within: bool, data: Any
) -> None:
    options, ballots = votes
    rules = ScoringRules(within_every_constituency=within)
    shuffled = data.draw(st.permutations(ballots))
    assert count_scoring(ballots, options=options, rules=rules, counting=counting) == (
        count_scoring(shuffled, options=options, rules=rules, counting=counting)
    )


# --- Totals add up -----------------------------------------------------------------------------


@thorough
@given(votes=dots_votes(), counting=countings)
def test_dots_totals_are_the_dots_placed(votes: Any, counting: Counting) -> None:
    options, rules, ballots = votes
    weights = weights_of(ballots, counting)
    result = count_dots(ballots, options=options, rules=rules, counting=counting)
    for option in options:
        placed = [(name, dots.get(option, 0)) for name, dots in ballots]
        assert result.totals[option] == sum(weights[name] * count for name, count in placed)
        assert result.supporters[option] == sum(weights[name] for name, count in placed if count)
    if counting is ONE:
        assert sum(result.totals.values()) == sum(sum(dots.values()) for _, dots in ballots)


@thorough
@given(votes=ranking_votes(), counting=countings)
def test_points_are_the_sum_over_ballots(votes: Any, counting: Counting) -> None:
    options, max_ranks, ballots = votes
    weights = weights_of(ballots, counting)
    expected = dict.fromkeys(options, Fraction(0))
    for name, ranking in ballots:
        for place, option in enumerate(ranking):
            expected[option] += weights[name] * (max_ranks - place)
    result = count_ranking(
        ballots, options=options, rules=RankingRules(max_ranks), counting=counting
    )
    assert result.points.points == expected
    assert sum(result.points.points.values()) == sum(expected.values())


@thorough
@given(votes=ranking_votes(), counting=countings)
def test_every_runoff_round_accounts_for_every_ballot(votes: Any, counting: Counting) -> None:
    options, max_ranks, ballots = votes
    result = count_ranking(
        ballots, options=options, rules=RankingRules(max_ranks), counting=counting
    )
    whole = len(ballots) if counting is ONE else len({name for name, _ in ballots})
    for round_ in result.runoff.rounds:
        assert sum(round_.tallies.values()) + round_.exhausted == whole
        raw = sum(sum(counts.values()) for counts in round_.tallies_by_constituency.values())
        assert raw + sum(round_.exhausted_by_constituency.values()) == len(ballots)


@thorough
@given(votes=ranking_votes(), counting=countings)
def test_the_incremental_runoff_matches_a_full_recount(votes: Any, counting: Counting) -> None:
    options, max_ranks, ballots = votes
    result = count_ranking(
        ballots, options=options, rules=RankingRules(max_ranks), counting=counting
    )
    expected = recounted_runoff(options, ballots, counting)
    counted = [
        (dict(round_.tallies), round_.exhausted, round_.excluded, round_.elected)
        for round_ in result.runoff.rounds
    ]
    assert counted == expected
    assert result.runoff.winner == expected[-1][3]


# --- A unanimous choice wins -------------------------------------------------------------------


@thorough
@given(data=st.data(), counting=countings)
def test_a_unanimous_first_choice_wins_both_ranking_counts(data: Any, counting: Counting) -> None:
    favourite = data.draw(st.sampled_from(POOL))
    options, max_ranks, ballots = data.draw(ranking_votes(first=favourite))
    assume(ballots)
    result = count_ranking(
        ballots, options=options, rules=RankingRules(max_ranks), counting=counting
    )
    assert result.points.order[0] == favourite
    assert not any(favourite in tie.options for tie in result.points.tie_breaks)
    assert result.runoff.winner == favourite
    assert len(result.runoff.rounds) == 1


@thorough
@given(votes=dots_votes(), counting=countings, data=st.data())
def test_a_unanimous_dots_choice_comes_first(votes: Any, counting: Counting, data: Any) -> None:
    options, rules, ballots = votes
    assume(ballots)
    favourite = data.draw(st.sampled_from(options))
    everyone = [(name, {favourite: data.draw(st.integers(1, rules.dots))}) for name, _ in ballots]
    if not rules.stacking:
        everyone = [(name, {favourite: 1}) for name, _ in ballots]
    result = count_dots(everyone, options=options, rules=rules, counting=counting)
    assert result.order[0] == favourite
    assert all(result.totals[option] == 0 for option in result.order[1:])


@thorough
@given(ballots=consent_ballots, counting=countings, within=st.booleans())
def test_unanimous_agreement_passes(ballots: Ballots, counting: Counting, within: bool) -> None:
    assume(ballots)
    agreed = [(name, "agree", "") for name, _, _ in ballots]
    result = count_consent(
        agreed,
        rules=ConsentRules(threshold=1, within_every_constituency=within),
        counting=counting,
    )
    assert result.passed
    assert result.agreement == 1


@thorough
@given(votes=scoring_votes(), counting=countings, within=st.booleans(), data=st.data())
def test_a_unanimously_high_score_is_in(
    votes: Any, counting: Counting, within: bool, data: Any
) -> None:
    options, ballots = votes
    assume(ballots)
    favourite = data.draw(st.sampled_from(options))
    high = [(name, {**scores, favourite: data.draw(st.integers(7, 9))}) for name, scores in ballots]
    rules = ScoringRules(within_every_constituency=within)
    result = count_scoring(high, options=options, rules=rules, counting=counting)
    assert favourite in result.included
    assert result.scores[favourite].high == 1


# --- Parts add up to the whole -----------------------------------------------------------------


@thorough
@given(votes=dots_votes())
def test_dots_parts_add_up_to_the_whole(votes: Any) -> None:
    options, rules, ballots = votes
    result = count_dots(ballots, options=options, rules=rules)
    assert set(result.constituencies) == {name for name, _ in ballots}
    for option in options:
        parts = result.constituencies.values()
        assert result.totals[option] == sum(part.totals[option] for part in parts)
        assert result.supporters[option] == sum(part.supporters[option] for part in parts)
    assert result.ballots == sum(part.ballots for part in result.constituencies.values())


@thorough
@given(votes=ranking_votes())
def test_ranking_parts_add_up_to_the_whole(votes: Any) -> None:
    options, max_ranks, ballots = votes
    result = count_ranking(ballots, options=options, rules=RankingRules(max_ranks))
    parts = result.constituencies
    for option in options:
        assert result.points.points[option] == sum(p.points.points[option] for p in parts.values())
        for place in range(max_ranks):
            assert result.points.places[option][place] == sum(
                part.points.places[option][place] for part in parts.values()
            )
    first = result.runoff.rounds[0]
    for name, part in parts.items():
        # Round 1 of a constituency alone is that constituency's share of round 1 overall.
        assert part.runoff.rounds[0].tallies == first.tallies_by_constituency[name]
    for round_ in result.runoff.rounds:
        for option, votes_ in round_.tallies.items():
            assert votes_ == sum(
                counts[option] for counts in round_.tallies_by_constituency.values()
            )


@thorough
@given(ballots=consent_ballots)
def test_consent_parts_add_up_to_the_whole(ballots: Ballots) -> None:
    result = count_consent(ballots)
    for answer, number in result.answers.items():
        assert number == sum(part.answers[answer] for part in result.constituencies.values())
    assert sorted(
        reason for part in result.constituencies.values() for reason in part.block_reasons
    ) == list(result.block_reasons)


@thorough
@given(votes=scoring_votes())
def test_scoring_parts_add_up_to_the_whole(votes: Any) -> None:
    options, ballots = votes
    result = count_scoring(ballots, options=options)
    for option in options:
        parts = [part.scores[option] for part in result.constituencies.values()]
        assert result.scores[option].scorers == sum(part.scorers for part in parts)
        for score in range(9):
            assert result.scores[option].scores[score] == sum(part.scores[score] for part in parts)
