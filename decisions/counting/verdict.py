"""Verdict: "did we do what we said?" For each recommendation that was acted on, each member
says whether it was done as decided, done differently, or not done, with an optional comment.

Each option (one recommendation) is counted on its own. For each verdict the count is the
(weighted) number of members who gave it; the leading verdict is the one with the most.

Tie rule (published): when two or more verdicts share the most, the one that says less was
done leads: "not done" before "done differently" before "done as decided". A tie never lets
the organisation claim more than its members said. Each tie broken is noted in words.

Comments are shown without names, in alphabetical order, like the reasons for blocks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, NamedTuple

from decisions.counting.common import (
    BallotError,
    Counting,
    Names,
    OptionId,
    TieBreak,
    as_counting,
    ballot_weights,
    freeze,
    group_by_constituency,
    integer_weights,
    show,
)

COMMENT_MAX = 500


class Verdict(StrEnum):
    """What a member says happened to a recommendation, from most done to least."""

    AS_DECIDED = "as_decided"
    DIFFERENTLY = "differently"
    NOT_DONE = "not_done"


VERDICT_WORDS: Mapping[Verdict, str] = freeze(
    {
        Verdict.AS_DECIDED: "done as decided",
        Verdict.DIFFERENTLY: "done differently",
        Verdict.NOT_DONE: "not done",
    }
)
"""Each verdict in plain words."""

# The order ties are broken in: the verdict saying less was done comes first.
TIE_ORDER: tuple[Verdict, ...] = (Verdict.NOT_DONE, Verdict.DIFFERENTLY, Verdict.AS_DECIDED)


class VerdictBallot(NamedTuple):
    """One member's verdict on one recommendation, with an optional comment."""

    constituency: str
    verdict: str
    comment: str = ""


@dataclass(frozen=True)
class VerdictResult:
    """The verdicts on one recommendation, the leading one, and the parts per constituency."""

    counting: Counting
    ballots: int
    weights: Mapping[str, Fraction]
    """Each constituency's weight per ballot: 1, or 1/n in equal-constituency counting."""
    counts: Mapping[Verdict, Fraction]
    """How many (weighted) gave each verdict, in the order done as decided, differently, not."""
    leading: Verdict | None
    """The verdict with the most; None when nobody gave one."""
    comments: tuple[str, ...]
    """The comments given, without names, in alphabetical order."""
    explanation: tuple[str, ...]
    constituencies: Mapping[str, VerdictResult] = field(default_factory=lambda: freeze({}))
    """Each constituency's ballots counted alone, one person one vote."""
    tie_breaks: tuple[TieBreak, ...] = ()

    @property
    def decided_by_tie_break(self) -> bool:
        return bool(self.tie_breaks)


def _verdict(value: object, name: str) -> Verdict:
    try:
        return Verdict(str(value or ""))
    except ValueError:
        raise BallotError(
            f"Choose what happened to {name}: done as decided, done differently or not done."
        ) from None


def validate_verdict_ballot(
    raw: Mapping[str, Any],
    *,
    options: Sequence[OptionId],
    labels: Mapping[OptionId, str] | None = None,
) -> dict[str, dict[str, str]]:
    """Check one member's verdicts: one of the three on every option, each comment at most
    COMMENT_MAX characters. Return {option: {"verdict", "comment"}}, comments trimmed."""
    names = Names(labels)
    unknown = [key for key in raw if key not in options]
    if unknown:
        raise BallotError("Your vote names a recommendation that is not in this review.")
    checked: dict[str, dict[str, str]] = {}
    for option in options:
        given = raw.get(option) or {}
        if not isinstance(given, Mapping):
            given = {"verdict": given}
        verdict = _verdict(given.get("verdict"), names(option))
        comment = str(given.get("comment") or "").strip()
        if len(comment) > COMMENT_MAX:
            raise BallotError(
                f"Your comment on {names(option)} is too long: keep it to {COMMENT_MAX} characters."
            )
        checked[str(option)] = {"verdict": str(verdict), "comment": comment}
    return checked


def count_verdict(
    ballots: Iterable[VerdictBallot | Sequence[str]],
    *,
    counting: Counting | str = Counting.ONE_PERSON_ONE_VOTE,
    label: str | None = None,
) -> VerdictResult:
    """Count the verdicts on one recommendation: weighted counts, the leading verdict (ties go
    to the verdict saying less was done), comments without names, and each constituency alone."""
    counting = as_counting(counting)
    groups = group_by_constituency(ballots)
    counted: dict[str, Counter[Verdict]] = {}
    comments: dict[str, list[str]] = {}
    for name, group in groups.items():
        counted[name] = Counter(_verdict(ballot[1], "this recommendation") for ballot in group)
        comments[name] = [
            str(ballot[2]).strip() for ballot in group if len(ballot) > 2 and str(ballot[2]).strip()
        ]
    parts = {
        name: _result(
            {name: len(group)},
            {name: counted[name]},
            comments[name],
            Counting.ONE_PERSON_ONE_VOTE,
            {},
            label,
        )
        for name, group in groups.items()
    }
    sizes = {name: len(group) for name, group in groups.items()}
    every_comment = [comment for name in groups for comment in comments[name]]
    return _result(sizes, counted, every_comment, counting, parts, label)


def _result(
    sizes: Mapping[str, int],
    counted: Mapping[str, Counter[Verdict]],
    comments: list[str],
    counting: Counting,
    parts: Mapping[str, VerdictResult],
    label: str | None,
) -> VerdictResult:
    weights = ballot_weights(counting, sizes)
    units, denominator = integer_weights(weights) if weights else ({}, 1)
    weighed = {
        verdict: Fraction(
            sum(counted[name][verdict] * unit for name, unit in units.items()), denominator
        )
        for verdict in Verdict
    }
    leading: Verdict | None = None
    tie_breaks: tuple[TieBreak, ...] = ()
    explanation: list[str] = []
    most = max(weighed.values())
    if not sizes or most == 0:
        explanation.append("Nobody gave a verdict.")
    else:
        tied = [verdict for verdict in TIE_ORDER if weighed[verdict] == most]
        leading = tied[0]
        figure = show(most)
        explanation.append(f'Most said "{VERDICT_WORDS[leading]}" ({figure}).')
        if len(tied) > 1:
            words = " and ".join(f'"{VERDICT_WORDS[verdict]}"' for verdict in tied)
            note = (
                f"{words} are equal ({figure} each). "
                f'"{VERDICT_WORDS[leading]}" leads because, on a tie, the verdict saying '
                "less was done leads."
            )
            where = f"verdict on {label!r}" if label else "verdict"
            tie_breaks = (TieBreak(where=where, options=tuple(tied), note=note),)
            explanation.append(note)
    return VerdictResult(
        counting=counting,
        ballots=sum(sizes.values()),
        weights=weights,
        counts=freeze(weighed),
        leading=leading,
        comments=tuple(sorted(comments)),
        explanation=tuple(explanation),
        constituencies=freeze(parts),
        tie_breaks=tie_breaks,
    )
