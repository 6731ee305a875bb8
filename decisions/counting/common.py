"""What every counting method shares: constituencies, the ways of counting, weights, tie notes."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from itertools import chain, pairwise
from operator import methodcaller
from types import MappingProxyType
from typing import Any, NoReturn, TypeAlias, TypeVar

OptionId: TypeAlias = Hashable
"""An option's opaque id (a str or an int): the caller's, never interpreted here."""

Key = TypeVar("Key")
Value = TypeVar("Value")
Content = TypeVar("Content")

CONSTITUENCIES: tuple[str, ...] = (
    "lived_experience",
    "carer",
    "clinician",
    "other_professional",
    "other",
)
"""The constituencies, in the fixed order every result lists them in."""

CONSTITUENCY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "lived_experience": "people with lived experience",
        "carer": "carers",
        "clinician": "clinicians",
        "other_professional": "other professionals",
        "other": "others",
    }
)
"""Each constituency in plain words, as the explanations in results name it."""


class Counting(StrEnum):
    """How ballots are weighed (the values match the stage's `counting` field)."""

    ONE_PERSON_ONE_VOTE = "one_person_one_vote"
    EQUAL_CONSTITUENCIES = "equal_constituencies"


class BallotError(ValueError):
    """A ballot breaks the method's rules; the message is for the person who filled it in."""


@dataclass(frozen=True)
class TieBreak:
    """One place where the published tie-break rule decided something."""

    where: str
    """Which part of the count: "points, places 3 and 4", "instant runoff, round 5"."""
    options: tuple[OptionId, ...]
    """The tied options; the one the rule put lowest (or excluded) comes last."""
    note: str
    """What the rule decided and why, in plain words."""


class FrozenDict(dict[Key, Value]):
    """A dict that refuses every change once made: results stay as counted.

    Unlike a mapping proxy it can be pickled (for a task queue or a cache) and read by `json`.
    """

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("A counting result cannot be changed.")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict[Key, Value]], tuple[dict[Key, Value]]]:
        return (type(self), (dict(self),))


def freeze(items: Mapping[Key, Value] | Iterable[tuple[Key, Value]]) -> Mapping[Key, Value]:
    """Return a read-only mapping of the items, keeping their order."""
    return FrozenDict(items)


def published_options(options: Sequence[OptionId]) -> tuple[OptionId, ...]:
    """Return the published option list as a tuple; refuse one that names an option twice."""
    result = tuple(options)
    if len(set(result)) != len(result):
        raise ValueError("The list of options names an option more than once.")
    return result


def as_counting(counting: Counting | str) -> Counting:
    """Return the way of counting, refusing an unknown one."""
    try:
        return Counting(counting)
    except ValueError:
        raise ValueError(f"Unknown way of counting: {counting!r}.") from None


def as_share(value: Fraction | int | float | str, name: str) -> Fraction:
    """Return a share between 0 and 1 as an exact fraction (0.7 means exactly 7/10)."""
    share = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    if not 0 <= share <= 1:
        raise ValueError(f"{name} must be between 0 and 1, not {value!r}.")
    return share


def group_by_constituency(ballots: Iterable[Sequence[Any]]) -> dict[str, list[Sequence[Any]]]:
    """Split ballots by constituency, in the fixed order, leaving out constituencies with none."""
    groups: dict[str, list[Sequence[Any]]] = {name: [] for name in CONSTITUENCIES}
    for ballot in ballots:
        try:
            groups[ballot[0]].append(ballot)
        except KeyError:
            raise ValueError(f"Unknown constituency {ballot[0]!r} on a ballot.") from None
    return {name: group for name, group in groups.items() if group}


def split_by_constituency(
    ballots: Iterable[tuple[str, Content]],
) -> dict[str, list[Content]]:
    """Split (constituency, content) ballots by constituency, in the fixed order, leaving out
    constituencies with none."""
    groups: dict[str, list[Content]] = {name: [] for name in CONSTITUENCIES}
    try:
        for constituency, content in ballots:
            groups[constituency].append(content)
    except KeyError as error:
        raise ValueError(f"Unknown constituency {error.args[0]!r} on a ballot.") from None
    return {name: group for name, group in groups.items() if group}


def count_pairs(contents: list[Mapping[Key, Value]]) -> Counter[tuple[Key, Value]]:
    """Count the (key, value) pairs across many mappings, in C when they are dicts."""
    try:
        return Counter(chain.from_iterable(map(dict.items, contents)))
    except TypeError:
        return Counter(chain.from_iterable(map(methodcaller("items"), contents)))


def largest_sum(contents: list[Mapping[Key, int]]) -> int:
    """Return the largest sum of values in any one mapping (0 when there are none)."""
    try:
        return max(map(sum, map(dict.values, contents)), default=0)
    except TypeError:
        return max(map(sum, map(methodcaller("values"), contents)), default=0)


def ballot_weights(counting: Counting, sizes: Mapping[str, int]) -> Mapping[str, Fraction]:
    """Return each constituency's weight per ballot: 1, or 1/n so each constituency weighs 1."""
    if counting is Counting.ONE_PERSON_ONE_VOTE:
        return freeze((name, Fraction(1)) for name in sizes)
    return freeze((name, Fraction(1, size)) for name, size in sizes.items())


def integer_weights(weights: Mapping[str, Fraction]) -> tuple[dict[str, int], int]:
    """Return the weights as whole units over one common denominator, for exact integer sums."""
    denominator = math.lcm(*(weight.denominator for weight in weights.values()))
    units = {
        name: weight.numerator * (denominator // weight.denominator)
        for name, weight in weights.items()
    }
    return units, denominator


class ExactFigures(dict[int, Fraction]):
    """Whole units over one denominator as exact fractions, each made once and then looked up."""

    def __init__(self, denominator: int) -> None:
        super().__init__()
        self.denominator = denominator

    def __missing__(self, units: int) -> Fraction:
        figure = self[units] = Fraction(units, self.denominator)
        return figure


class Names:
    """Write options for people: their label in quotes, or their id."""

    def __init__(self, labels: Mapping[OptionId, str] | None) -> None:
        self.labels = labels or {}

    def __call__(self, option: OptionId) -> str:
        label = self.labels.get(option)
        return f'"{label}"' if label is not None else f"Option {option}"

    def join(self, options: Sequence[OptionId]) -> str:
        """Write a list of options: "A", "B" and "C"."""
        names = [self(option) for option in options]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def show(value: Fraction | int, places: int = 2) -> str:
    """Write a figure for reading: whole numbers as they are, others to a few decimal places."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.{places}f}".rstrip("0").rstrip(".")


def show_apart(values: Sequence[Fraction | int]) -> list[str]:
    """Write figures that differ with enough decimal places that they still read differently."""
    distinct = len(set(values))
    for places in range(2, 12):
        shown = [show(value, places) for value in values]
        if len(set(shown)) == distinct:
            return shown
    return [str(Fraction(value)) for value in values]


def quantity(value: Fraction | int, one: str, many: str) -> str:
    """Write an amount with its noun: "1 point", "2.5 points"."""
    return f"{show(value)} {one if value == 1 else many}"


def percent(share: Fraction) -> str:
    """Write a share as a percentage: 2/3 is "66.67%"."""
    return f"{show(share * 100)}%"


@dataclass(frozen=True)
class Criterion:
    """One tie-break step: a figure per option (more is better) and why it decides."""

    values: Mapping[OptionId, Fraction]
    reason: str
    """Completes "A is placed above B because ...": "more people ranked it first"."""


def order_with_tie_breaks(
    options: Sequence[OptionId],
    totals: Mapping[OptionId, Fraction],
    criteria: Sequence[Criterion],
    *,
    where: str,
    one: str,
    many: str,
    names: Names,
) -> tuple[tuple[OptionId, ...], tuple[TieBreak, ...]]:
    """Order the options best first and note every tie the published rule broke.

    Highest total first; equal totals go to each criterion in turn, then to the published order
    (earlier in the list is placed higher).
    """
    position = {option: index for index, option in enumerate(options)}
    order = tuple(
        sorted(
            options,
            key=lambda option: (
                -totals[option],
                *(-criterion.values[option] for criterion in criteria),
                position[option],
            ),
        )
    )
    notes = []
    for place, (above, below) in enumerate(pairwise(order), start=1):
        if totals[above] != totals[below]:
            continue
        for criterion in criteria:
            if criterion.values[above] != criterion.values[below]:
                first, second = show_apart([criterion.values[above], criterion.values[below]])
                reason = f"{criterion.reason} ({first} against {second})"
                break
        else:
            reason = "it comes earlier in the published list of options"
        note = (
            f"{names(above)} and {names(below)} both have {quantity(totals[above], one, many)}. "
            f"{names(above)} is placed above {names(below)} because {reason}."
        )
        where_exactly = f"{where}, places {place} and {place + 1}"
        notes.append(TieBreak(where=where_exactly, options=(above, below), note=note))
    return order, tuple(notes)
