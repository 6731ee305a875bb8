"""Count a stage's ballots with the published rules and shape the result for the record.

The counting itself is in `decisions.counting` (pure, no database). This module
turns stored ballots into its input and its output into plain data for the
decision record: the full result, rows for the results table, and a sentence
that says what was decided.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from decisions import counting
from decisions.models import Ballot, Proposal, VotingMethod
from decisions.rules import voting_rules_for
from projects.models import Stage


def suggested_dots(option_count: int) -> int:
    """About a third of the options, at least 3 (and never more than there are options)."""
    return max(1, min(option_count, max(3, round(option_count / 3))))


def dots_rules(stage: Stage, option_count: int) -> counting.DotsRules:
    return counting.DotsRules(
        dots=voting_rules_for(stage).dots_per_member or suggested_dots(option_count),
        stacking=voting_rules_for(stage).dots_can_stack,
    )


def jsonable(value: Any) -> Any:
    """Turn a counting result into JSON: fractions keep their exact value beside a decimal."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, Fraction):
        return {"value": round(float(value), 4), "exact": str(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def _show(value: Fraction | int) -> str:
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:.2f}"


def _percent(value: Fraction | None) -> str:
    return "no answers" if value is None else f"{round(float(value) * 100)}%"


def count_stage(
    stage: Stage, ballots: Sequence[Ballot], options: Sequence[Proposal]
) -> dict[str, Any]:
    """Count the ballots; return the record's result, table rows and outcome sentence."""
    ids = [str(option.pk) for option in options]
    titles = {str(option.pk): option.title for option in options}
    method = voting_rules_for(stage).voting_method
    if method == VotingMethod.DOTS:
        return _dots(stage, ballots, ids, titles)
    if method == VotingMethod.RANKING:
        return _ranking(stage, ballots, ids, titles)
    if method == VotingMethod.SCORING:
        return _scoring(stage, ballots, ids, titles)
    if method == VotingMethod.CONSENT:
        return _consent(stage, ballots, ids, titles)
    if method == VotingMethod.VERDICT:
        return _verdict(stage, ballots, ids, titles)
    raise ValueError("This stage has no vote to count.")


def _ordered_rows(
    order: Sequence[str], titles: Mapping[str, str], figure: Mapping[str, Fraction]
) -> list[dict[str, Any]]:
    return [
        {
            "option": option,
            "title": titles[option],
            "place": place,
            "figure": _show(figure[option]),
            "value": float(figure[option]),
        }
        for place, option in enumerate(order, start=1)
    ]


def _tie_notes(result: Any) -> list[str]:
    return [tie.note for tie in result.tie_breaks]


def _dots(
    stage: Stage, ballots: Sequence[Ballot], ids: list[str], titles: Mapping[str, str]
) -> dict[str, Any]:
    result = counting.count_dots(
        [(ballot.constituency, ballot.content["dots"]) for ballot in ballots],
        options=ids,
        rules=dots_rules(stage, len(ids)),
        counting=voting_rules_for(stage).counting,
        labels=titles,
    )
    rows = _ordered_rows(result.order, titles, result.totals)
    parts = {
        name: _ordered_rows(part.order, titles, part.totals)
        for name, part in result.constituencies.items()
    }
    top = rows[0]["title"] if rows and result.ballots else None
    outcome = f"Most dots: {top}." if top else "Nobody voted."
    return {
        "result": jsonable(result),
        "figure_name": "dots",
        "rows": rows,
        "parts": parts,
        "outcome": outcome,
        "tie_breaks": _tie_notes(result),
    }


def _ranking(
    stage: Stage, ballots: Sequence[Ballot], ids: list[str], titles: Mapping[str, str]
) -> dict[str, Any]:
    result = counting.count_ranking(
        [(ballot.constituency, ballot.content["ranking"]) for ballot in ballots],
        options=ids,
        rules=counting.RankingRules(min(voting_rules_for(stage).max_ranks, len(ids)) or 1),
        counting=voting_rules_for(stage).counting,
        labels=titles,
    )
    rows = _ordered_rows(result.points.order, titles, result.points.points)
    parts = {
        name: _ordered_rows(part.points.order, titles, part.points.points)
        for name, part in result.constituencies.items()
    }
    winner = result.runoff.winner
    if not result.ballots:
        outcome = "Nobody voted."
    else:
        outcome = f"Top priority by points: {rows[0]['title']}."
        if winner is not None:
            outcome += f" Instant-runoff winner: {titles[winner]}."
    return {
        "result": jsonable(result),
        "figure_name": "points",
        "rows": rows,
        "parts": parts,
        "outcome": outcome,
        "tie_breaks": _tie_notes(result),
    }


def _scoring(
    stage: Stage, ballots: Sequence[Ballot], ids: list[str], titles: Mapping[str, str]
) -> dict[str, Any]:
    rules = counting.ScoringRules(
        consensus=Fraction(voting_rules_for(stage).scoring_in_percent, 100),
        dissent=Fraction(voting_rules_for(stage).scoring_out_percent, 100),
        within_every_constituency=voting_rules_for(stage).agreement_in_every_constituency,
    )
    result = counting.count_scoring(
        [(ballot.constituency, ballot.content["scores"]) for ballot in ballots],
        options=ids,
        rules=rules,
        counting=voting_rules_for(stage).counting,
    )
    verdicts = {"in": "In", "out": "Out", "no_consensus": "No consensus"}

    def rows_of(part: Any) -> list[dict[str, Any]]:
        return [
            {
                "option": option,
                "title": titles[option],
                "place": None,
                "figure": _percent(part.scores[option].high),
                "value": float(part.scores[option].high or 0),
                "verdict": verdicts[part.scores[option].consensus.value],
            }
            for option in part.options
        ]

    included = [titles[option] for option in result.included]
    outcome = ("In: " + "; ".join(included) + ".") if included else "No option reached consensus."
    return {
        "result": jsonable(result),
        "figure_name": "scored 7 to 9",
        "rows": rows_of(result),
        "parts": {name: rows_of(part) for name, part in result.constituencies.items()},
        "outcome": outcome,
        "tie_breaks": [],
    }


def _consent(
    stage: Stage, ballots: Sequence[Ballot], ids: list[str], titles: Mapping[str, str]
) -> dict[str, Any]:
    rules = counting.ConsentRules(
        threshold=Fraction(voting_rules_for(stage).consent_threshold_percent, 100),
        within_every_constituency=voting_rules_for(stage).agreement_in_every_constituency,
    )
    per_option = {}
    rows, parts, block_reasons = [], {}, {}
    for option in ids:
        answers = [
            (
                ballot.constituency,
                ballot.content["answers"][option]["answer"],
                ballot.content["answers"][option]["reason"],
            )
            for ballot in ballots
            if option in ballot.content["answers"]
        ]
        result = counting.count_consent(
            answers, rules=rules, counting=voting_rules_for(stage).counting
        )
        per_option[option] = result
        rows.append(
            {
                "option": option,
                "title": titles[option],
                "place": None,
                "figure": _percent(result.agreement),
                "value": float(result.agreement or 0),
                "verdict": "Passes" if result.passed else "Does not pass",
                "explanation": list(result.explanation),
            }
        )
        block_reasons[option] = list(result.block_reasons)
        for name, part in result.constituencies.items():
            parts.setdefault(name, []).append(
                {
                    "option": option,
                    "title": titles[option],
                    "place": None,
                    "figure": _percent(part.agreement),
                    "value": float(part.agreement or 0),
                    "verdict": "Passes" if part.passed else "Does not pass",
                }
            )
    passed = [row["title"] for row in rows if row["verdict"] == "Passes"]
    outcome = ("Passed: " + "; ".join(passed) + ".") if passed else "Nothing passed."
    return {
        "result": jsonable(per_option),
        "figure_name": "agreement",
        "rows": rows,
        "parts": parts,
        "outcome": outcome,
        "tie_breaks": [],
        "block_reasons": block_reasons,
    }


def _verdict_figures(result: counting.VerdictResult) -> str:
    """ "2 done as decided, 1 done differently, 0 not done" (weighted figures)."""
    return ", ".join(
        f"{_show(result.counts[verdict])} {counting.VERDICT_WORDS[verdict]}"
        for verdict in counting.Verdict
    )


def _verdict_row(option: str, title: str, result: counting.VerdictResult) -> dict[str, Any]:
    leading = result.leading
    return {
        "option": option,
        "title": title,
        "place": None,
        "figure": _verdict_figures(result),
        "value": float(result.counts[leading]) if leading else 0.0,
        "verdict": counting.VERDICT_WORDS[leading].capitalize() if leading else "No verdict",
        "leading": leading.value if leading else "",
        "counts": {verdict.value: _show(result.counts[verdict]) for verdict in counting.Verdict},
        "explanation": list(result.explanation),
    }


def _verdict(
    stage: Stage, ballots: Sequence[Ballot], ids: list[str], titles: Mapping[str, str]
) -> dict[str, Any]:
    """Each recommendation counted on its own: the verdicts given, the leading one, comments."""
    way = voting_rules_for(stage).counting
    per_option, rows, parts, comments, tie_breaks = {}, [], {}, {}, []
    for option in ids:
        given = [
            (
                ballot.constituency,
                ballot.content["verdicts"][option]["verdict"],
                ballot.content["verdicts"][option].get("comment", ""),
            )
            for ballot in ballots
            if option in ballot.content.get("verdicts", {})
        ]
        result = counting.count_verdict(given, counting=way, label=titles[option])
        per_option[option] = result
        rows.append(_verdict_row(option, titles[option], result))
        comments[option] = list(result.comments)
        tie_breaks += _tie_notes(result)
        for name, part in result.constituencies.items():
            parts.setdefault(name, []).append(_verdict_row(option, titles[option], part))
    if not any(result.ballots for result in per_option.values()):
        outcome = "Nobody gave a verdict."
    else:
        outcome = " ".join(f"{row['title']}: {row['verdict'].lower()}." for row in rows)
    return {
        "result": jsonable(per_option),
        "figure_name": "verdicts",
        "rows": rows,
        "parts": parts,
        "outcome": outcome,
        "tie_breaks": tie_breaks,
        "comments": comments,
    }
