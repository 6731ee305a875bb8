"""Time every counting method on 100,000 synthetic ballots.

Run: .venv/bin/python -m bench.bench_counting [--ballots N] [--repeat R]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from decisions.counting import (
    CONSTITUENCIES,
    ConsentBallot,
    ConsentRules,
    Counting,
    DotsBallot,
    DotsRules,
    RankingBallot,
    RankingRules,
    ScoringBallot,
    ScoringRules,
    count_consent,
    count_dots,
    count_ranking,
    count_scoring,
)

OPTIONS = tuple(f"P{number:02d}" for number in range(1, 81))
MAX_RANKS = 10
# Turnout is uneven, as in real priority-setting surveys: many patients, few "other".
TURNOUT = {
    "lived_experience": 0.42,
    "carer": 0.22,
    "clinician": 0.20,
    "other_professional": 0.11,
    "other": 0.05,
}
SEED = 20240611


def _popularity(generator: random.Random) -> dict[str, list[float]]:
    """Give each constituency its own skewed taste: a shared Zipf-like core, shuffled a little."""
    shared = [1 / (rank + 1) ** 0.9 for rank in range(len(OPTIONS))]
    generator.shuffle(shared)
    tastes = {}
    for name in CONSTITUENCIES:
        own = [weight * generator.lognormvariate(0, 0.8) for weight in shared]
        tastes[name] = own
    return tastes


def _preferences(
    generator: random.Random, weights: Sequence[float], length: int
) -> tuple[str, ...]:
    """Draw up to `length` distinct options, likelier ones first (weighted, no repeats)."""
    drawn = generator.choices(OPTIONS, weights, k=length * 2)
    return tuple(dict.fromkeys(drawn))[:length]


def make_ballots(count: int) -> dict[str, list[Any]]:
    """Generate seeded ballots for every method from the same synthetic members.

    Members (a constituency and a preference order) are drawn first; then each method's
    ballots are built in a pass of their own, as a stage's ballots are loaded on their own.
    """
    generator = random.Random(SEED)  # noqa: S311 (synthetic data, not security)
    tastes = _popularity(generator)
    names = list(TURNOUT)
    members = []
    for name in generator.choices(names, [TURNOUT[name] for name in names], k=count):
        # Most people use all ten ranks; some stop early.
        length = MAX_RANKS if generator.random() < 0.6 else generator.randint(1, MAX_RANKS - 1)
        members.append((name, list(_preferences(generator, tastes[name], length))))
    ranking = [RankingBallot(name, tuple(order)) for name, order in members]
    dots = [
        DotsBallot(name, dict(Counter(generator.choices(order[:5], k=10))))
        for name, order in members
    ]
    approval = [DotsBallot(name, dict.fromkeys(order[:5], 1)) for name, order in members]
    scoring = [
        ScoringBallot(
            name,
            {
                option: max(1, 9 - place - generator.randint(0, 3))
                for place, option in enumerate(order)
            },
        )
        for name, order in members
    ]
    answers = generator.choices(["agree", "abstain", "disagree", "block"], [70, 10, 19, 1], k=count)
    consent = [
        ConsentBallot(name, answer, "It leaves carers out." if answer == "block" else "")
        for (name, _), answer in zip(members, answers, strict=True)
    ]
    return {
        "ranking": ranking,
        "dots": dots,
        "approval": approval,
        "scoring": scoring,
        "consent": consent,
    }


def _time(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Run the work `repeat` times; return the best and the median time in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


_SHARED: list[Any] = []


def _count_ranking_in_worker(counting: str) -> object:
    """Count the shared ballots one way (in a worker process forked after they were made)."""
    result = count_ranking(
        _SHARED, options=OPTIONS, rules=RankingRules(MAX_RANKS), counting=counting
    )
    return result.runoff.winner


def _both_ways_on_two_cores(ballots: list[Any], repeat: int) -> tuple[float, float]:
    """Time counting both ways at once, one way per core, as two task workers would."""
    _SHARED[:] = ballots
    countings = [counting.value for counting in Counting]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_count_ranking_in_worker, countings)  # warm up: touch the inherited ballots
        return _time(lambda: pool.map(_count_ranking_in_worker, countings), repeat)


def main(argv: Sequence[str] | None = None) -> None:
    """Generate the ballots, count them every way, and print a table of timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    ballots = make_ballots(arguments.ballots)
    print(
        f"{arguments.ballots:,} ballots, {len(OPTIONS)} options, up to {MAX_RANKS} ranks, "
        f"generated in {time.perf_counter() - started:.1f} s; best and median of "
        f"{arguments.repeat} runs.\n"
    )
    one, equal = Counting.ONE_PERSON_ONE_VOTE, Counting.EQUAL_CONSTITUENCIES
    ranking_rules = RankingRules(MAX_RANKS)
    cases: list[tuple[str, str, Callable[[], object]]] = []
    for counting in (one, equal):
        cases.append(
            (
                "ranking",
                f"ranking: points + instant runoff, {counting.value}",
                lambda counting=counting: count_ranking(
                    ballots["ranking"], options=OPTIONS, rules=ranking_rules, counting=counting
                ),
            )
        )
    for counting in (one, equal):
        cases.append(
            (
                "other",
                f"dots (10 each, stacked), {counting.value}",
                lambda counting=counting: count_dots(
                    ballots["dots"], options=OPTIONS, rules=DotsRules(10), counting=counting
                ),
            )
        )
    cases.append(
        (
            "other",
            "approval (up to 10), one_person_one_vote",
            lambda: count_dots(
                ballots["approval"], options=OPTIONS, rules=DotsRules(10, stacking=False)
            ),
        )
    )
    for counting in (one, equal):
        cases.append(
            (
                "other",
                f"scoring (10 scores each), {counting.value}",
                lambda counting=counting: count_scoring(
                    ballots["scoring"], options=OPTIONS, counting=counting
                ),
            )
        )
    cases.append(
        (
            "other",
            "scoring, within every constituency",
            lambda: count_scoring(
                ballots["scoring"],
                options=OPTIONS,
                rules=ScoringRules(within_every_constituency=True),
            ),
        )
    )
    for counting in (one, equal):
        cases.append(
            (
                "other",
                f"consent, {counting.value}",
                lambda counting=counting: count_consent(
                    ballots["consent"],
                    rules=ConsentRules(within_every_constituency=True),
                    counting=counting,
                ),
            )
        )
    width = max(len(label) for _, label, _ in cases)
    print(f"{'count (whole + every constituency part)':<{width}}  {'best':>8}  {'median':>8}")
    totals = {"ranking": 0.0, "other": 0.0}
    for group, label, work in cases:
        best, median = _time(work, arguments.repeat)
        totals[group] += best
        print(f"{label:<{width}}  {best * 1000:7.1f}ms  {median * 1000:7.1f}ms")
    print(f"{'total, ranking counts (one core)':<{width}}  {totals['ranking'] * 1000:7.1f}ms")
    print(f"{'total, every count (one core)':<{width}}  {sum(totals.values()) * 1000:7.1f}ms")
    best, median = _both_ways_on_two_cores(ballots["ranking"], arguments.repeat)
    label = "ranking both ways at once, 2 processes (wall)"
    print(f"{label:<{width}}  {best * 1000:7.1f}ms  {median * 1000:7.1f}ms")
    result = count_ranking(ballots["ranking"], options=OPTIONS, rules=ranking_rules)
    print(
        f"\nInstant runoff: {len(result.runoff.rounds)} rounds, winner {result.runoff.winner}; "
        f"points leader {result.points.order[0]}."
    )


if __name__ == "__main__":
    main()
