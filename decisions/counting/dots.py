"""Dots and approval: each member places up to N dots; stacked on one option or one per option."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from decisions.counting.common import (
    BallotError,
    Counting,
    Criterion,
    Names,
    OptionId,
    TieBreak,
    as_counting,
    ballot_weights,
    count_pairs,
    freeze,
    largest_sum,
    order_with_tie_breaks,
    published_options,
    split_by_constituency,
)


@dataclass(frozen=True)
class DotsRules:
    """How many dots each member has, and whether they may stack several on one option."""

    dots: int
    stacking: bool = True
    """False makes it approval voting: at most one dot on each option."""

    def __post_init__(self) -> None:
        if isinstance(self.dots, bool) or not isinstance(self.dots, int) or self.dots < 1:
            raise ValueError("Each member needs at least one dot.")


class DotsBallot(NamedTuple):
    """One member's dots: how many on each option (options left out have none)."""

    constituency: str
    dots: Mapping[OptionId, int]


@dataclass(frozen=True)
class DotsResult:
    """The dots on each option, the options in order, and the parts per constituency."""

    counting: Counting
    options: tuple[OptionId, ...]
    """The published order."""
    ballots: int
    weights: Mapping[str, Fraction]
    """Each constituency's weight per ballot: 1, or 1/n in equal-constituency counting."""
    totals: Mapping[OptionId, Fraction]
    """Dots on each option (weighted), in the published order."""
    supporters: Mapping[OptionId, Fraction]
    """Members who put at least one dot on each option (weighted)."""
    order: tuple[OptionId, ...]
    """Best first."""
    tie_breaks: tuple[TieBreak, ...]
    constituencies: Mapping[str, DotsResult] = field(default_factory=lambda: freeze({}))
    """Each constituency's ballots counted alone, one person one vote."""

    @property
    def decided_by_tie_break(self) -> bool:
        """Say whether a tie-break rule decided any place in the order."""
        return bool(self.tie_breaks)


def validate_dots_ballot(
    dots: Mapping[OptionId, int | None],
    *,
    rules: DotsRules,
    options: Sequence[OptionId],
    labels: Mapping[OptionId, str] | None = None,
) -> dict[OptionId, int]:
    """Check one member's dots against the rules; return the options that have dots."""
    names = Names(labels)
    known = set(options)
    placed: dict[OptionId, int] = {}
    for option, count in dots.items():
        if option not in known:
            raise BallotError("One of your dots is on an option that is not in this vote.")
        if count is None or count == 0:
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise BallotError(f"Use a whole number of dots for {names(option)}: 0, 1, 2 and so on.")
        if count > 1 and not rules.stacking:
            raise BallotError(
                f"You have put {count} dots on {names(option)}. "
                "You can put only one dot on each option."
            )
        placed[option] = count
    total = sum(placed.values())
    if total == 0:
        raise BallotError("You have not placed any dots yet. Place at least one.")
    if total > rules.dots:
        extra = total - rules.dots
        take = "one" if extra == 1 else str(extra)
        raise BallotError(
            f"You have placed {total} dots, but you have {rules.dots}. Take {take} away."
        )
    return placed


def _tally(
    contents: Iterable[Mapping[OptionId, int]], known: set[OptionId], rules: DotsRules
) -> tuple[Counter[OptionId], Counter[OptionId]]:
    """Add up one constituency's dots and supporters; refuse a ballot that breaks the rules."""
    ballots = list(contents)
    # Count (option, dots) pairs in C: the rules can then be checked on the few distinct pairs.
    pairs = count_pairs(ballots)
    totals: Counter[OptionId] = Counter()
    supporters: Counter[OptionId] = Counter()
    for (option, count), members in pairs.items():
        if option not in known:
            raise ValueError("A ballot puts dots on an option that is not in this vote.")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError("A ballot has a number of dots that is not a whole number.")
        if count > 1 and not rules.stacking:
            raise ValueError("A ballot puts more than one dot on an option.")
        if count:
            totals[option] += count * members
            supporters[option] += members
    if largest_sum(ballots) > rules.dots:
        raise ValueError(f"A ballot places more than {rules.dots} dots.")
    return totals, supporters


def count_dots(
    ballots: Iterable[DotsBallot | tuple[str, Mapping[OptionId, int]]],
    *,
    options: Sequence[OptionId],
    rules: DotsRules,
    counting: Counting | str = Counting.ONE_PERSON_ONE_VOTE,
    labels: Mapping[OptionId, str] | None = None,
) -> DotsResult:
    """Count dots: totals per option, best first, with each constituency's part."""
    options = published_options(options)
    counting = as_counting(counting)
    names = Names(labels)
    known = set(options)
    groups = split_by_constituency(ballots)
    parts: dict[str, DotsResult] = {}
    for name, group in groups.items():
        totals, supporters = _tally(group, known, rules)
        parts[name] = _result(
            options,
            {name: len(group)},
            {name: totals},
            {name: supporters},
            Counting.ONE_PERSON_ONE_VOTE,
            names,
            {},
        )
    return _result(
        options,
        {name: len(group) for name, group in groups.items()},
        {name: part.totals for name, part in parts.items()},
        {name: part.supporters for name, part in parts.items()},
        counting,
        names,
        parts,
    )


def _result(
    options: tuple[OptionId, ...],
    sizes: Mapping[str, int],
    totals: Mapping[str, Mapping[OptionId, Fraction | int]],
    supporters: Mapping[str, Mapping[OptionId, Fraction | int]],
    counting: Counting,
    names: Names,
    parts: Mapping[str, DotsResult],
) -> DotsResult:
    """Combine constituencies' figures with their weights into one result."""
    weights = ballot_weights(counting, sizes)
    whole = {
        option: sum(
            (totals[name].get(option, 0) * weight for name, weight in weights.items()), Fraction(0)
        )
        for option in options
    }
    support = {
        option: sum(
            (supporters[name].get(option, 0) * weight for name, weight in weights.items()),
            Fraction(0),
        )
        for option in options
    }
    order, tie_breaks = order_with_tie_breaks(
        options,
        whole,
        [Criterion(support, "more people put at least one dot on it")],
        where="dots",
        one="dot",
        many="dots",
        names=names,
    )
    return DotsResult(
        counting=counting,
        options=options,
        ballots=sum(sizes.values()),
        weights=weights,
        totals=freeze(whole),
        supporters=freeze(support),
        order=order,
        tie_breaks=tie_breaks,
        constituencies=freeze(parts),
    )
