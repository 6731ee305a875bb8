"""Ranking: points for each place (the JLA interim survey) and the instant-runoff winner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain, repeat
from operator import getitem
from typing import NamedTuple

from decisions.counting.common import (
    BallotError,
    Counting,
    Criterion,
    ExactFigures,
    Names,
    OptionId,
    TieBreak,
    as_counting,
    ballot_weights,
    freeze,
    integer_weights,
    order_with_tie_breaks,
    published_options,
    show,
    show_apart,
    split_by_constituency,
)

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def ordinal(number: int) -> str:
    """Write a place in words: 1 is "first", 12 is "12th"."""
    if number <= len(ORDINALS):
        return ORDINALS[number - 1]
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    if 10 <= number % 100 <= 20:
        suffix = "th"
    return f"{number}{suffix}"


@dataclass(frozen=True)
class RankingRules:
    """How many options each member may rank (rank 1 earns this many points)."""

    max_ranks: int

    def __post_init__(self) -> None:
        if isinstance(self.max_ranks, bool) or not isinstance(self.max_ranks, int):
            raise ValueError("The number of ranks must be a whole number.")
        if self.max_ranks < 1:
            raise ValueError("Members must be able to rank at least one option.")


class RankingBallot(NamedTuple):
    """One member's ranking: their first choice first. It may rank fewer than the most allowed."""

    constituency: str
    ranking: Sequence[OptionId]


@dataclass(frozen=True)
class PointsResult:
    """Points per option (rank 1 earns K points, rank K earns 1) and the order they give."""

    points: Mapping[OptionId, Fraction]
    """Points of each option (weighted), in the published order."""
    places: Mapping[OptionId, tuple[Fraction, ...]]
    """How many ballots (weighted) put each option first, second, ... K-th."""
    order: tuple[OptionId, ...]
    """Best first."""
    tie_breaks: tuple[TieBreak, ...]


@dataclass(frozen=True)
class RunoffRound:
    """One round of the instant runoff, for the record."""

    number: int
    tallies: Mapping[OptionId, Fraction]
    """Votes (weighted) of each option still in the count, in the published order."""
    tallies_by_constituency: Mapping[str, Mapping[OptionId, int]]
    """The ballots from each constituency on each option still in the count (not weighted)."""
    exhausted: Fraction
    """Ballots (weighted) with no choice left in the count, so far."""
    exhausted_by_constituency: Mapping[str, int]
    elected: OptionId | None
    """The winner, in the last round."""
    excluded: tuple[OptionId, ...]
    """Options taken out of the count at the end of this round."""


@dataclass(frozen=True)
class RunoffResult:
    """The instant-runoff winner and every round that led to it."""

    winner: OptionId | None
    """None only when no ballot ranks any option."""
    rounds: tuple[RunoffRound, ...]
    tie_breaks: tuple[TieBreak, ...]


@dataclass(frozen=True)
class RankingResult:
    """Points and instant runoff on the same ballots, and the parts per constituency."""

    counting: Counting
    options: tuple[OptionId, ...]
    """The published order."""
    max_ranks: int
    ballots: int
    weights: Mapping[str, Fraction]
    """Each constituency's weight per ballot: 1, or 1/n in equal-constituency counting."""
    points: PointsResult
    runoff: RunoffResult
    constituencies: Mapping[str, RankingResult] = field(default_factory=lambda: freeze({}))
    """Each constituency's ballots counted alone, one person one vote."""

    @property
    def tie_breaks(self) -> tuple[TieBreak, ...]:
        """List every tie the published rules broke, points first, then runoff."""
        return self.points.tie_breaks + self.runoff.tie_breaks

    @property
    def decided_by_tie_break(self) -> bool:
        """Say whether a tie-break rule decided anything in this result."""
        return bool(self.tie_breaks)


def validate_ranking_ballot(
    ranks: Mapping[OptionId, int | None],
    *,
    rules: RankingRules,
    options: Sequence[OptionId],
    labels: Mapping[OptionId, str] | None = None,
) -> tuple[OptionId, ...]:
    """Check one member's ranks (option -> 1, 2, 3...); return the options, first choice first."""
    names = Names(labels)
    known = set(options)
    given: dict[OptionId, int] = {}
    for option, rank in ranks.items():
        if option not in known:
            raise BallotError("One of the options you ranked is not in this vote.")
        if rank is None:
            continue
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise BallotError(f"Use a whole number from 1 up for {names(option)}.")
        given[option] = rank
    if not given:
        raise BallotError("Put at least one option in order: give your first choice the number 1.")
    if len(given) > rules.max_ranks:
        extra = len(given) - rules.max_ranks
        raise BallotError(
            f"You have ranked {len(given)} options, but you can rank up to {rules.max_ranks}. "
            f"Take {'one' if extra == 1 else extra} away."
        )
    by_rank: dict[int, list[OptionId]] = {}
    for option, rank in given.items():
        by_rank.setdefault(rank, []).append(option)
    for rank in sorted(by_rank):
        if len(by_rank[rank]) > 1:
            raise BallotError(
                f"You have given number {rank} to {names.join(by_rank[rank])}. "
                "Give each option a different number."
            )
    for rank in range(1, len(given) + 1):
        if rank not in by_rank:
            raise BallotError(
                f"Your numbers skip {rank}. Number your choices 1, 2, 3 and so on, without gaps."
            )
    return tuple(by_rank[rank][0] for rank in range(1, len(given) + 1))


def count_ranking(
    ballots: Iterable[RankingBallot | tuple[str, Sequence[OptionId]]],
    *,
    options: Sequence[OptionId],
    rules: RankingRules,
    counting: Counting | str = Counting.ONE_PERSON_ONE_VOTE,
    labels: Mapping[OptionId, str] | None = None,
) -> RankingResult:
    """Count rankings by points and by instant runoff, with each constituency's part."""
    options = published_options(options)
    counting = as_counting(counting)
    names = Names(labels)
    # Each (place, option) pair has a whole-number code, so one C-level Counter pass over the
    # ballots counts every place at once, and an unknown option fails the lookup.
    codes = tuple(
        {option: place * len(options) + index for index, option in enumerate(options)}
        for place in range(rules.max_ranks)
    )
    groups = {
        name: _prepare(rankings, options, codes, rules.max_ranks)
        for name, rankings in split_by_constituency(ballots).items()
    }
    parts = {
        name: _result(
            options, rules.max_ranks, {name: group}, Counting.ONE_PERSON_ONE_VOTE, names, {}
        )
        for name, group in groups.items()
    }
    return _result(options, rules.max_ranks, groups, counting, names, parts)


@dataclass(frozen=True)
class _Group:
    """One constituency's rankings, checked, with their place counts and first choices."""

    rankings: list[Sequence[OptionId]]
    places: dict[OptionId, list[int]]
    """How many ballots put each option in each place."""
    first: dict[OptionId, list[int]]
    """The ballots (by index) whose first choice is each option."""
    empty: int
    """Ballots that rank nothing."""


def _prepare(
    rankings: list[Sequence[OptionId]],
    options: tuple[OptionId, ...],
    codes: tuple[dict[OptionId, int], ...],
    max_ranks: int,
) -> _Group:
    """Check one constituency's rankings, count places and sort ballots by first choice."""
    try:
        coded = Counter(chain.from_iterable(map(map, repeat(getitem), repeat(codes), rankings)))
    except KeyError:
        raise ValueError("A ballot ranks an option that is not in this vote.") from None
    # Only the first max_ranks places have codes, so a longer ballot leaves some uncounted.
    ranked = sum(map(len, rankings))
    if sum(coded.values()) != ranked:
        raise ValueError(f"A ballot ranks more than {max_ranks} options.")
    if sum(map(len, map(set, rankings))) != ranked:
        raise ValueError("A ballot ranks the same option twice.")
    places = {option: [0] * max_ranks for option in options}
    for code, number in coded.items():
        place, index = divmod(code, len(options))
        places[options[index]][place] = number
    first: dict[OptionId, list[int]] = {option: [] for option in options}
    empty = 0
    for index, ranking in enumerate(rankings):
        if ranking:
            first[ranking[0]].append(index)
        else:
            empty += 1
    return _Group(rankings=rankings, places=places, first=first, empty=empty)


def _result(
    options: tuple[OptionId, ...],
    max_ranks: int,
    groups: Mapping[str, _Group],
    counting: Counting,
    names: Names,
    parts: Mapping[str, RankingResult],
) -> RankingResult:
    """Weigh the constituencies' place counts into points, and run the instant runoff."""
    weights = ballot_weights(
        counting, {name: len(group.rankings) for name, group in groups.items()}
    )
    units, denominator = integer_weights(weights)
    # Integer units over one denominator: exact, and only one Fraction per figure.
    place_units = {
        option: [
            sum(group.places[option][place] * units[name] for name, group in groups.items())
            for place in range(max_ranks)
        ]
        for option in options
    }
    figure = ExactFigures(denominator).__getitem__
    points = {
        option: figure(sum(number * (max_ranks - place) for place, number in enumerate(numbers)))
        for option, numbers in place_units.items()
    }
    place_figures = {option: tuple(map(figure, numbers)) for option, numbers in place_units.items()}
    criteria = [
        Criterion(
            {option: figures[place] for option, figures in place_figures.items()},
            f"it was ranked {ordinal(place + 1)} more often",
        )
        for place in range(max_ranks)
    ]
    order, tie_breaks = order_with_tie_breaks(
        options, points, criteria, where="points", one="point", many="points", names=names
    )
    return RankingResult(
        counting=counting,
        options=options,
        max_ranks=max_ranks,
        ballots=sum(len(group.rankings) for group in groups.values()),
        weights=weights,
        points=PointsResult(
            points=freeze(points),
            places=freeze(place_figures),
            order=order,
            tie_breaks=tie_breaks,
        ),
        runoff=_runoff(options, groups, units, denominator, names),
        constituencies=freeze(parts),
    )


def _runoff(
    options: tuple[OptionId, ...],
    groups: Mapping[str, _Group],
    units: Mapping[str, int],
    denominator: int,
    names: Names,
) -> RunoffResult:
    """Run the instant runoff incrementally: only the ballots on an excluded option move.

    Each ballot keeps a pointer to its place on its current choice, and each option a bucket of
    the ballots on it (one bucket per constituency: its size is the constituency's tally). When
    an option is excluded, each ballot in its buckets moves its pointer on to its next choice
    still in the count, or is exhausted. Nothing is recounted.
    """
    # Tallies repeat from round to round: make each exact figure once.
    fraction = ExactFigures(denominator).__getitem__
    continuing = set(options)
    standing = list(options)
    states = [
        (
            name,
            group.rankings,
            {option: list(ballots) for option, ballots in group.first.items()},
            [0] * len(group.rankings),
        )
        for name, group in groups.items()
    ]
    exhausted = {name: group.empty for name, group in groups.items()}
    history: list[dict[OptionId, int]] = []
    rounds: list[RunoffRound] = []
    notes: list[TieBreak] = []
    while True:
        number = len(rounds) + 1
        by_constituency = {
            name: {option: len(buckets[option]) for option in standing}
            for name, _, buckets, _ in states
        }
        if len(states) == 1 and denominator == 1:
            tally = by_constituency[states[0][0]]
        else:
            tally = {
                option: sum(
                    counts[option] * units[name] for name, counts in by_constituency.items()
                )
                for option in standing
            }
        total = sum(tally.values())
        elected = None
        excluded: tuple[OptionId, ...] = ()
        if total:
            best = max(standing, key=tally.__getitem__)
            if 2 * tally[best] > total or len(standing) == 1:
                elected = best
            elif zeros := tuple(option for option in standing if tally[option] == 0):
                # Options without a vote hold no ballots: taking them out together moves
                # nothing, exactly as taking them out one round at a time would.
                excluded = zeros
            else:
                loser, note = _lowest(standing, tally, history, number, fraction, names)
                excluded = (loser,)
                if note is not None:
                    notes.append(note)
        rounds.append(
            RunoffRound(
                number=number,
                tallies=freeze({option: fraction(tally[option]) for option in standing}),
                tallies_by_constituency=freeze(
                    {name: freeze(counts) for name, counts in by_constituency.items()}
                ),
                exhausted=fraction(sum(exhausted[name] * units[name] for name in exhausted)),
                exhausted_by_constituency=freeze(exhausted),
                elected=elected,
                excluded=excluded,
            )
        )
        history.append(tally)
        if not excluded:
            return RunoffResult(winner=elected, rounds=tuple(rounds), tie_breaks=tuple(notes))
        continuing.difference_update(excluded)
        standing = [option for option in standing if option in continuing]
        for name, rankings, buckets, pointer in states:
            lost = 0
            for option in excluded:
                for index in buckets.pop(option):
                    ranking = rankings[index]
                    for place in range(pointer[index] + 1, len(ranking)):
                        choice = ranking[place]
                        if choice in continuing:
                            pointer[index] = place
                            buckets[choice].append(index)
                            break
                    else:
                        lost += 1
            exhausted[name] += lost


def _lowest(
    standing: list[OptionId],
    tally: Mapping[OptionId, int],
    history: list[dict[OptionId, int]],
    number: int,
    fraction: Callable[[int], Fraction],
    names: Names,
) -> tuple[OptionId, TieBreak | None]:
    """Choose the option to exclude: fewest votes, then fewest in earlier rounds, then listed later.

    Return it with a note when a tie had to be broken.
    """
    fewest = min(tally[option] for option in standing)
    tied = [option for option in standing if tally[option] == fewest]
    if len(tied) == 1:
        return tied[0], None
    sentences = [f"{names.join(tied)} tied for the fewest votes ({show(fraction(fewest))} each)."]
    candidates = tied
    for earlier in range(len(history), 0, -1):
        past = history[earlier - 1]
        least = min(past[option] for option in candidates)
        narrowed = [option for option in candidates if past[option] == least]
        if len(narrowed) < len(candidates):
            figures = show_apart([fraction(past[option]) for option in candidates])
            said = ", ".join(
                f"{names(option)} had {figure}"
                for option, figure in zip(candidates, figures, strict=True)
            )
            sentences.append(f"In round {earlier}, {said}.")
            candidates = narrowed
            if len(candidates) == 1:
                break
    loser = candidates[-1]
    if len(candidates) == 1:
        sentences.append(
            f"So {names(loser)}, with fewer votes in the latest earlier round where the tied "
            "options differed, is excluded."
        )
    elif not history:
        sentences.append(
            f"There is no earlier round to look back to, so {names(loser)}, the later in the "
            "published list of options, is excluded."
        )
    else:
        sentences.append(
            f"{names.join(candidates)} had the same votes in every earlier round, so "
            f"{names(loser)}, the later in the published list of options, is excluded."
        )
    return loser, TieBreak(
        where=f"instant runoff, round {number}",
        options=(*(option for option in tied if option != loser), loser),
        note=" ".join(sentences),
    )
