"""Delphi scoring: each option scored 1 to 9, judged "in", "out" or "no consensus"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from decisions.counting.common import (
    BallotError,
    Counting,
    Names,
    OptionId,
    TieBreak,
    as_counting,
    as_share,
    count_pairs,
    freeze,
    published_options,
    split_by_constituency,
)

SCORES = range(1, 10)
LOW = range(1, 4)
HIGH = range(7, 10)


class Consensus(StrEnum):
    """The verdict on one option."""

    IN = "in"
    OUT = "out"
    NO_CONSENSUS = "no_consensus"


@dataclass(frozen=True)
class ScoringRules:
    """The shares that make consensus; whether every constituency must reach it too."""

    consensus: Fraction = Fraction(7, 10)
    """At least this share must score an option 7-9 for "in" (1-3 for "out")."""
    dissent: Fraction = Fraction(3, 20)
    """And fewer than this share may score it at the other end (1-3 for "in", 7-9 for "out")."""
    within_every_constituency: bool = False
    """Also require the same verdict within each constituency that scored the option."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "consensus", as_share(self.consensus, "The consensus share"))
        object.__setattr__(self, "dissent", as_share(self.dissent, "The dissent share"))


class ScoringBallot(NamedTuple):
    """One member's scores, 1 to 9; options left out were not scored."""

    constituency: str
    scores: Mapping[OptionId, int]


@dataclass(frozen=True)
class OptionScores:
    """The scores one option received and the verdict on it."""

    scorers: Fraction
    """How many scored it (weighted)."""
    scores: tuple[Fraction, ...]
    """How many (weighted) gave it 1, 2, ... 9."""
    high: Fraction | None
    """Share scoring it 7-9; None when nobody scored it."""
    low: Fraction | None
    """Share scoring it 1-3; None when nobody scored it."""
    consensus: Consensus
    dissenting: tuple[str, ...] = ()
    """With every constituency required: those whose own verdict differed from the overall one."""


@dataclass(frozen=True)
class ScoringResult:
    """The verdict on each option, and the parts per constituency."""

    counting: Counting
    options: tuple[OptionId, ...]
    """The published order."""
    ballots: int
    rules: ScoringRules
    scores: Mapping[OptionId, OptionScores]
    """Each option's figures, in the published order."""
    included: tuple[OptionId, ...]
    excluded: tuple[OptionId, ...]
    no_consensus: tuple[OptionId, ...]
    constituencies: Mapping[str, ScoringResult] = field(default_factory=lambda: freeze({}))
    """Each constituency's ballots counted alone, one person one vote."""
    tie_breaks: tuple[TieBreak, ...] = ()
    """Always empty: each option is judged on its own, so there are no ties to break."""

    @property
    def decided_by_tie_break(self) -> bool:
        """Say whether a tie-break rule decided anything (never, for scoring)."""
        return bool(self.tie_breaks)


def validate_scoring_ballot(
    scores: Mapping[OptionId, int | None],
    *,
    options: Sequence[OptionId],
    labels: Mapping[OptionId, str] | None = None,
) -> dict[OptionId, int]:
    """Check one member's scores; return the options they scored."""
    names = Names(labels)
    known = set(options)
    given: dict[OptionId, int] = {}
    for option, score in scores.items():
        if option not in known:
            raise BallotError("One of the options you scored is not in this vote.")
        if score is None:
            continue
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
            raise BallotError(f"Give {names(option)} a score from 1 to 9, or leave it out.")
        given[option] = score
    if not given:
        raise BallotError("Score at least one option, from 1 to 9.")
    return given


def count_scoring(
    ballots: Iterable[ScoringBallot | tuple[str, Mapping[OptionId, int]]],
    *,
    options: Sequence[OptionId],
    rules: ScoringRules | None = None,
    counting: Counting | str = Counting.ONE_PERSON_ONE_VOTE,
) -> ScoringResult:
    """Count scores: each option in, out or without consensus, with each constituency's part."""
    rules = rules or ScoringRules()
    options = published_options(options)
    counting = as_counting(counting)
    known = set(options)
    groups = split_by_constituency(ballots)
    alone = replace(rules, within_every_constituency=False)
    parts = {}
    for name, group in groups.items():
        tallies = _tally(group, known)
        figures = {
            option: _figures(Fraction(sum(tallies[option])), tuple(map(Fraction, tallies[option])))
            for option in options
        }
        parts[name] = _result(options, len(group), alone, figures, {}, Counting.ONE_PERSON_ONE_VOTE)
    whole = {}
    for option in options:
        scored = [part.scores[option] for part in parts.values() if part.scores[option].scorers]
        if counting is Counting.ONE_PERSON_ONE_VOTE:
            columns = zip(*(p.scores for p in scored), strict=True)
            numbers = tuple(sum(column, Fraction(0)) for column in columns)
            whole[option] = _figures(sum((p.scorers for p in scored), Fraction(0)), numbers)
        else:
            # Each constituency that scored the option weighs 1: its figures over its scorers.
            averages = [[number / part.scorers for number in part.scores] for part in scored]
            numbers = tuple(sum(column, Fraction(0)) for column in zip(*averages, strict=True))
            whole[option] = _figures(Fraction(len(scored)), numbers)
    return _result(options, sum(map(len, groups.values())), rules, whole, parts, counting)


def _tally(
    contents: Iterable[Mapping[OptionId, int]], known: set[OptionId]
) -> dict[OptionId, list[int]]:
    """Count each score each option got from one constituency; refuse an invalid score."""
    # Count (option, score) pairs in C, then check only the distinct pairs.
    pairs = count_pairs(list(contents))
    tallies = {option: [0] * len(SCORES) for option in known}
    for (option, score), number in pairs.items():
        if option not in known:
            raise ValueError("A ballot scores an option that is not in this vote.")
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
            raise ValueError(f"A ballot has the score {score!r}; scores run from 1 to 9.")
        tallies[option][score - 1] += number
    return tallies


def _figures(scorers: Fraction, numbers: tuple[Fraction, ...]) -> OptionScores:
    """Work out one option's shares; the verdict is filled in later."""
    if not numbers:
        numbers = (Fraction(0),) * len(SCORES)
    if not scorers:
        return OptionScores(scorers, numbers, None, None, Consensus.NO_CONSENSUS)
    high = sum(numbers[score - 1] for score in HIGH) / scorers
    low = sum(numbers[score - 1] for score in LOW) / scorers
    return OptionScores(scorers, numbers, high, low, Consensus.NO_CONSENSUS)


def _verdict(figures: OptionScores, rules: ScoringRules) -> Consensus:
    """Judge one option against the thresholds."""
    if figures.high is None or figures.low is None:
        return Consensus.NO_CONSENSUS
    if figures.high >= rules.consensus and figures.low < rules.dissent:
        return Consensus.IN
    if figures.low >= rules.consensus and figures.high < rules.dissent:
        return Consensus.OUT
    return Consensus.NO_CONSENSUS


def _result(
    options: tuple[OptionId, ...],
    ballots: int,
    rules: ScoringRules,
    figures: Mapping[OptionId, OptionScores],
    parts: Mapping[str, ScoringResult],
    counting: Counting,
) -> ScoringResult:
    """Give each option its verdict and gather the result."""
    judged = {}
    for option in options:
        verdict = _verdict(figures[option], rules)
        dissenting: tuple[str, ...] = ()
        if rules.within_every_constituency and verdict is not Consensus.NO_CONSENSUS:
            dissenting = tuple(
                name
                for name, part in parts.items()
                if part.scores[option].scorers and part.scores[option].consensus is not verdict
            )
            if dissenting:
                verdict = Consensus.NO_CONSENSUS
        judged[option] = OptionScores(
            scorers=figures[option].scorers,
            scores=figures[option].scores,
            high=figures[option].high,
            low=figures[option].low,
            consensus=verdict,
            dissenting=dissenting,
        )
    return ScoringResult(
        counting=counting,
        options=options,
        ballots=ballots,
        rules=rules,
        scores=freeze(judged),
        included=tuple(o for o in options if judged[o].consensus is Consensus.IN),
        excluded=tuple(o for o in options if judged[o].consensus is Consensus.OUT),
        no_consensus=tuple(o for o in options if judged[o].consensus is Consensus.NO_CONSENSUS),
        constituencies=freeze(parts),
    )
