"""Ballots hypothesis makes up, and reference counts written the slow and obvious way,
for the counting properties (test_counting_properties*.py)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from hypothesis import assume, settings
from hypothesis import strategies as st

from decisions.counting import (
    CONSTITUENCIES,
    Counting,
    DotsRules,
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
