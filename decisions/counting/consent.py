"""Consent: on one proposal, each member agrees, abstains, disagrees or blocks (with a reason)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from operator import itemgetter
from typing import NamedTuple

from decisions.counting.common import (
    CONSTITUENCY_NAMES,
    BallotError,
    Counting,
    TieBreak,
    as_counting,
    as_share,
    ballot_weights,
    freeze,
    group_by_constituency,
    integer_weights,
    show_apart,
)


class Answer(StrEnum):
    """A member's answer to a proposal."""

    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


@dataclass(frozen=True)
class ConsentRules:
    """The agreement a proposal needs, and whether every constituency must reach it."""

    threshold: Fraction = Fraction(2, 3)
    """Share of agree among agree, disagree and block (abstentions left out) needed to pass."""
    within_every_constituency: bool = False
    """Also require the threshold within each constituency that took a side."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", as_share(self.threshold, "The threshold"))


class ConsentBallot(NamedTuple):
    """One member's answer; a block carries its reason."""

    constituency: str
    answer: str
    reason: str = ""


@dataclass(frozen=True)
class ConsentResult:
    """Whether the proposal passes, the figures behind it, and the parts per constituency."""

    counting: Counting
    ballots: int
    weights: Mapping[str, Fraction]
    """Each constituency's weight per ballot: 1, or 1/n in equal-constituency counting."""
    threshold: Fraction
    within_every_constituency: bool
    answers: Mapping[Answer, Fraction]
    """How many (weighted) gave each answer: agree, abstain, disagree, block."""
    agreement: Fraction | None
    """agree / (agree + disagree + block), weighted; None when nobody took a side."""
    blocks: int
    """How many people blocked (not weighted: any one block stops the proposal)."""
    block_reasons: tuple[str, ...]
    """The reasons given for blocks, without names, in alphabetical order."""
    passed: bool
    explanation: tuple[str, ...]
    """Why it passed or did not, in plain words."""
    constituencies: Mapping[str, ConsentResult] = field(default_factory=lambda: freeze({}))
    """Each constituency's ballots counted alone, one person one vote."""
    tie_breaks: tuple[TieBreak, ...] = ()
    """Always empty: consent has no ties to break."""

    @property
    def decided_by_tie_break(self) -> bool:
        """Say whether a tie-break rule decided anything (never, for consent)."""
        return bool(self.tie_breaks)


def validate_consent_ballot(answer: str, reason: str = "") -> tuple[Answer, str]:
    """Check one member's answer; return it with the reason, trimmed."""
    chosen = _answer(answer)
    reason = (reason or "").strip()
    if chosen is Answer.BLOCK and not reason:
        raise BallotError(
            "Say why you are blocking. A block needs a reason, so the group can respond to it."
        )
    return chosen, reason


def _answer(answer: str) -> Answer:
    """Return the answer, or refuse one that is not among the four."""
    try:
        return Answer(answer)
    except ValueError:
        raise BallotError("Choose one answer: agree, abstain, disagree or block.") from None


def count_consent(
    ballots: Iterable[ConsentBallot | Sequence[str]],
    *,
    rules: ConsentRules | None = None,
    counting: Counting | str = Counting.ONE_PERSON_ONE_VOTE,
) -> ConsentResult:
    """Count answers to one proposal: it passes with no block and enough agreement."""
    rules = rules or ConsentRules()
    counting = as_counting(counting)
    groups = group_by_constituency(ballots)
    answers: dict[str, Counter[Answer]] = {}
    reasons: dict[str, list[str]] = {}
    for name, group in groups.items():
        # Count the answers in C, then check the few distinct ones; only blocks need a reason.
        answers[name] = Counter(
            {
                _answer(answer): number
                for answer, number in Counter(map(itemgetter(1), group)).items()
            }
        )
        reasons[name] = [
            validate_consent_ballot(Answer.BLOCK, ballot[2] if len(ballot) > 2 else "")[1]
            for ballot in group
            if ballot[1] == Answer.BLOCK
        ]
    alone = replace(rules, within_every_constituency=False)
    parts = {
        name: _result(
            {name: len(group)},
            {name: answers[name]},
            reasons[name],
            alone,
            Counting.ONE_PERSON_ONE_VOTE,
            {},
        )
        for name, group in groups.items()
    }
    every_reason = [reason for name in groups for reason in reasons[name]]
    sizes = {name: len(group) for name, group in groups.items()}
    return _result(sizes, answers, every_reason, rules, counting, parts)


def _result(
    sizes: Mapping[str, int],
    answers: Mapping[str, Counter[Answer]],
    reasons: list[str],
    rules: ConsentRules,
    counting: Counting,
    parts: Mapping[str, ConsentResult],
) -> ConsentResult:
    """Weigh the constituencies' answers and decide whether the proposal passes."""
    weights = ballot_weights(counting, sizes)
    units, denominator = integer_weights(weights)
    weighed = {
        answer: sum(answers[name][answer] * unit for name, unit in units.items())
        for answer in Answer
    }
    sided = weighed[Answer.AGREE] + weighed[Answer.DISAGREE] + weighed[Answer.BLOCK]
    agreement = Fraction(weighed[Answer.AGREE], sided) if sided else None
    blocks = sum(answers[name][Answer.BLOCK] for name in sizes)
    explanation = []
    passed = True
    if blocks:
        passed = False
        who = "1 person" if blocks == 1 else f"{blocks} people"
        explanation.append(f"{who} blocked the proposal, so it does not pass.")
    if agreement is None:
        passed = False
        explanation.append("Nobody agreed or disagreed, so it does not pass.")
    else:
        explanation.append(_against_threshold("", agreement, rules.threshold))
        passed = passed and agreement >= rules.threshold
    if rules.within_every_constituency:
        for name, part in parts.items():
            # A constituency where everyone abstained stands aside: it is not outvoted.
            if part.agreement is not None and part.agreement < rules.threshold:
                passed = False
                explanation.append(
                    _against_threshold(
                        f"Among {CONSTITUENCY_NAMES[name]}, ", part.agreement, rules.threshold
                    )
                )
    if passed and not rules.within_every_constituency:
        explanation.insert(0, "Nobody blocked.")
    elif passed:
        explanation.insert(
            0, "Nobody blocked, and no constituency fell short of the agreement needed."
        )
    return ConsentResult(
        counting=counting,
        ballots=sum(sizes.values()),
        weights=weights,
        threshold=rules.threshold,
        within_every_constituency=rules.within_every_constituency,
        answers=freeze((answer, Fraction(weighed[answer], denominator)) for answer in Answer),
        agreement=agreement,
        blocks=blocks,
        block_reasons=tuple(sorted(reasons)),
        passed=passed,
        explanation=tuple(explanation),
        constituencies=freeze(parts),
    )


def _against_threshold(among: str, agreement: Fraction, threshold: Fraction) -> str:
    """Say how agreement compares with the threshold, in percent."""
    shown, needed = show_apart([agreement * 100, threshold * 100])
    verdict = "which reaches" if agreement >= threshold else "below"
    start = f"{among}agreement" if among else "Agreement"
    return f"{start} is {shown}%, {verdict} the {needed}% needed."
