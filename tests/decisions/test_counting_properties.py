"""Properties every count must have, on ballots hypothesis makes up."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from decisions.counting import (
    CONSTITUENCIES,
    BallotError,
    Consensus,
    ConsentRules,
    Counting,
    DotsRules,
    RankingRules,
    ScoringRules,
    count_consent,
    count_dots,
    count_ranking,
    count_scoring,
    validate_dots_ballot,
    validate_ranking_ballot,
)

ONE, EQUAL = Counting.ONE_PERSON_ONE_VOTE, Counting.EQUAL_CONSTITUENCIES
POOL = ("A", "B", "C", "D", "E", "F")
countings = st.sampled_from([ONE, EQUAL])
constituencies = st.sampled_from(CONSTITUENCIES)
# Slow machines must not fail a property for being slow; no example database is written.
thorough = settings(deadline=None, max_examples=150, database=None)

Ballots = list[tuple[Any, ...]]


# --- What the ballots look like ----------------------------------------------------------------


@st.composite
def published(draw: st.DrawFn) -> list[str]:
    """A published list of options, in a random order."""
    return draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=len(POOL), unique=True))


@st.composite
def ranking_votes(draw: st.DrawFn, *, first: str | None = None) -> tuple[list[str], int, Ballots]:
    """Options, the most ranks, and ballots (some empty); with `first`, everyone puts it first."""
    options = draw(published())
    if first is not None:
        options = [first, *[option for option in options if option != first]]
        options = draw(st.permutations(options))
    max_ranks = draw(st.integers(1, len(options)))
    others = [option for option in options if option != first]

    @st.composite
    def ranking(inner: st.DrawFn) -> tuple[str, ...]:
        if first is None:
            order = inner(st.permutations(options))
            return tuple(order[: inner(st.integers(0, max_ranks))])
        rest = inner(st.permutations(others))
        return (first, *rest[: inner(st.integers(0, max_ranks - 1))])

    ballots = draw(st.lists(st.tuples(constituencies, ranking()), max_size=25))
    return options, max_ranks, ballots


@st.composite
def dots_votes(draw: st.DrawFn) -> tuple[list[str], DotsRules, Ballots]:
    """Options, the dots rules, and ballots within them."""
    options = draw(published())
    rules = DotsRules(dots=draw(st.integers(1, 5)), stacking=draw(st.booleans()))

    @st.composite
    def dots(inner: st.DrawFn) -> dict[str, int]:
        if rules.stacking:
            picks = inner(st.lists(st.sampled_from(options), max_size=rules.dots))
        else:
            picks = inner(
                st.lists(
                    st.sampled_from(options), max_size=min(rules.dots, len(options)), unique=True
                )
            )
        placed: dict[str, int] = {}
        for option in picks:
            placed[option] = placed.get(option, 0) + 1
        return placed

    return options, rules, draw(st.lists(st.tuples(constituencies, dots()), max_size=25))


reasons = st.sampled_from(["Unsafe.", "Too costly.", "Unfair."])
answers = st.sampled_from(["agree", "agree", "abstain", "disagree", "block"])
consent_ballots = st.lists(st.tuples(constituencies, answers, reasons), max_size=25)
# Without blocks and mostly agreeing, so the agreement rules are what decides.
unblocked_ballots = st.lists(
    st.tuples(
        constituencies, st.sampled_from(["agree", "agree", "agree", "abstain", "disagree"]), reasons
    ),
    max_size=25,
)


@st.composite
def scoring_votes(draw: st.DrawFn) -> tuple[list[str], Ballots]:
    """Options and ballots that score some of them 1 to 9."""
    options = draw(published())
    scores = st.dictionaries(st.sampled_from(options), st.integers(1, 9))
    return options, draw(st.lists(st.tuples(constituencies, scores), max_size=25))


def doubled(ballots: Ballots, data: st.DataObject) -> Ballots:
    """Add a second copy of every ballot of one constituency that voted."""
    voted = sorted({ballot[0] for ballot in ballots})
    assume(voted)
    chosen = data.draw(st.sampled_from(voted))
    return ballots + [ballot for ballot in ballots if ballot[0] == chosen]


# --- Reference counts, written the slow and obvious way ----------------------------------------


def weights_of(ballots: Ballots, counting: Counting) -> dict[str, Fraction]:
    """Each constituency's weight per ballot, as the published rules define it."""
    sizes: dict[str, int] = {}
    for ballot in ballots:
        sizes[ballot[0]] = sizes.get(ballot[0], 0) + 1
    return {
        name: Fraction(1) if counting is ONE else Fraction(1, size) for name, size in sizes.items()
    }


def recounted_runoff(
    options: Sequence[str], ballots: Ballots, counting: Counting
) -> list[tuple[dict[str, Fraction], Fraction, tuple[str, ...], str | None]]:
    """Run the instant runoff by recounting every ballot from scratch in every round."""
    weights = weights_of(ballots, counting)
    continuing = list(options)
    history: list[dict[str, Fraction]] = []
    rounds = []
    while True:
        tally = {option: Fraction(0) for option in continuing}
        exhausted = Fraction(0)
        for constituency, ranking in ballots:
            top = next((option for option in ranking if option in continuing), None)
            if top is None:
                exhausted += weights[constituency]
            else:
                tally[top] += weights[constituency]
        total = sum(tally.values())
        if not total:
            rounds.append((tally, exhausted, (), None))
            return rounds
        best = max(continuing, key=tally.__getitem__)
        if 2 * tally[best] > total or len(continuing) == 1:
            rounds.append((tally, exhausted, (), best))
            return rounds
        out = [option for option in continuing if tally[option] == 0]
        if not out:
            fewest = min(tally.values())
            tied = [option for option in continuing if tally[option] == fewest]
            for past in reversed(history):
                least = min(past[option] for option in tied)
                tied = [option for option in tied if past[option] == least]
            out = [tied[-1]]
        rounds.append((tally, exhausted, tuple(out), None))
        history.append(tally)
        continuing = [option for option in continuing if option not in out]


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
