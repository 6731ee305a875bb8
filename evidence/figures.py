"""The power-balance figures: pure functions of plain data, no database.

Every figure compares a constituency's share of something (proposals made, comments,
ballots cast...) with its share of the voting members. The small-group rule of votes
holds here too (`decisions.models.SMALLEST_GROUP_FLOOR`): a group with fewer people
than the smallest group shown is never shown on its own. It joins "other groups
together"; and if that pool is still too small, the next smallest group joins it,
until the pool is large enough or everything is withheld. As every shown row has
enough people, no group can be worked out by taking the shown rows from the whole.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import mean

from decisions.models import SMALLEST_GROUP_FLOOR

# The constituencies in the order the portal shows them, and how a sentence names them.
CONSTITUENCIES = ("lived_experience", "carer", "clinician", "other_professional", "other")
PEOPLE = {
    "lived_experience": "People with lived experience",
    "carer": "Carers",
    "clinician": "Clinicians",
    "other_professional": "Other professionals",
    "other": "Other members",
}
POOL = "other_groups"
POOL_LABEL = "Other groups together"


def percentages(values: Sequence[int]) -> list[int]:
    """Whole percentages of the values that add up to exactly 100 (largest remainder);
    all zeros when the values add up to nothing."""
    total = sum(values)
    if total <= 0:
        return [0 for _value in values]
    exact = [value * 100 / total for value in values]
    floors = [int(share) for share in exact]
    missing = 100 - sum(floors)
    by_remainder = sorted(range(len(values)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in by_remainder[:missing]:
        floors[index] += 1
    return floors


def grouping(
    people: Mapping[str, int], smallest: int, also: Iterable[str] = ()
) -> tuple[list[str], list[str], bool]:
    """Which groups are shown alone, which go into the pool, and whether all is withheld.

    `people` is how many people each group has (members, voters or answers: whatever
    could identify someone); `also` names groups with something to count but nobody
    left (people who have since left the project), which are always pooled. A group
    below `smallest` goes into the pool; while the pool holds fewer than `smallest`
    people, the smallest shown group joins it.
    """
    smallest = max(smallest, SMALLEST_GROUP_FLOOR)
    extra = set(also)
    present = [
        name for name in _ordered({*people, *extra}) if people.get(name, 0) > 0 or name in extra
    ]
    people = {name: people.get(name, 0) for name in present}
    alone = [name for name in present if people[name] >= smallest]
    pool = [name for name in present if people[name] < smallest]
    while pool and sum(people[name] for name in pool) < smallest and alone:
        joining = min(alone, key=lambda name: (people[name], present.index(name)))
        alone.remove(joining)
        pool.append(joining)
    withheld = bool(present) and sum(people.values()) < smallest
    if withheld:
        return [], [], True
    return alone, [name for name in present if name in pool], False


def _ordered(names: Iterable[str]) -> list[str]:
    known = [name for name in CONSTITUENCIES if name in names]
    return known + sorted(name for name in names if name not in CONSTITUENCIES)


def _one_decimal(value: float) -> float:
    """Round to one decimal, halves up (2.55 is 2.6), as people round by hand."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class Row:
    key: str  # a constituency, or POOL
    label: str
    members: int
    members_share: int  # percent of the voting members
    value: int
    share: int  # percent of the figure's total


@dataclass(frozen=True)
class Figure:
    name: str  # "proposals"
    title: str  # "Proposals made"
    verb: str  # "made %(share)s%% of proposals"
    rows: tuple[Row, ...]
    total: int
    withheld: bool  # too few people to show any group
    pooled: tuple[str, ...] = ()  # the groups counted in POOL

    @property
    def sentence(self) -> str:
        """What the chart shows, in one plain paragraph."""
        if self.withheld:
            return "Too few people took part to show any group without showing who they are."
        if not self.total:
            return "Nothing to count yet."
        if self.name == "members":
            return " ".join(
                f"{row.label} are {row.share}% of voting members ({row.value})."
                for row in self.rows
            ) + (f" {self._pooled_sentence()}" if self.pooled else "")
        parts = []
        for row in self.rows:
            verb = self.verb % {"share": row.share}
            parts.append(f"{row.label} {verb} and are {row.members_share}% of members.")
        if self.pooled:
            parts.append(self._pooled_sentence())
        return " ".join(parts)

    def _pooled_sentence(self) -> str:
        names = _and([PEOPLE.get(name, name).lower() for name in self.pooled])
        return (
            f"Other groups together are {names}, counted together so that no group "
            "too small to show alone can be picked out."
        )


def balance(
    *,
    name: str,
    title: str,
    verb: str,
    values: Mapping[str, int],
    members: Mapping[str, int],
    smallest: int,
    people: Mapping[str, int] | None = None,
) -> Figure:
    """A figure: each group's share of `values` beside its share of `members`.

    Groups are shown by `people` (the members, unless the figure counts other people,
    like voters): a group too small to show alone is pooled (see `grouping`)."""
    people = members if people is None else people
    names = set(members) | set(values) | set(people)
    alone, pool, withheld = grouping(
        {n: people.get(n, 0) for n in names},
        smallest,
        also=[n for n in names if values.get(n, 0) and not people.get(n, 0)],
    )
    if withheld:
        return Figure(name, title, verb, (), sum(values.values()), True)
    keys = [*alone, *([POOL] if pool else [])]

    def of(mapping: Mapping[str, int], key: str) -> int:
        return sum(mapping.get(n, 0) for n in pool) if key == POOL else mapping.get(key, 0)

    member_counts = [of(members, key) for key in keys]
    value_counts = [of(values, key) for key in keys]
    member_shares, value_shares = percentages(member_counts), percentages(value_counts)
    rows = tuple(
        Row(
            key=key,
            label=POOL_LABEL if key == POOL else PEOPLE.get(key, key),
            members=member_counts[i],
            members_share=member_shares[i],
            value=value_counts[i],
            share=value_shares[i],
        )
        for i, key in enumerate(keys)
    )
    return Figure(name, title, verb, rows, sum(value_counts), False, tuple(pool))


# --- Provenance: what grew from what ----------------------------------------------


@dataclass(frozen=True)
class ProposalNode:
    """A proposal as the figures need it: who wrote it (their constituency, "" for a
    proposal a facilitator made by merging or carrying) and where it went."""

    id: str
    stage_id: str
    constituency: str
    merged_into: str | None = None
    carried_from: str | None = None
    withdrawn: bool = False


def ancestors(targets: Iterable[str], proposals: Sequence[ProposalNode]) -> set[str]:
    """Every proposal the targets grew from (merged into them or carried into them, at
    any depth), the targets included."""
    by_id = {node.id: node for node in proposals}
    merged_from: dict[str, list[str]] = {}
    for node in proposals:
        if node.merged_into:
            merged_from.setdefault(node.merged_into, []).append(node.id)
    found: set[str] = set()
    queue = deque(target for target in targets if target in by_id)
    while queue:
        current = queue.popleft()
        if current in found:
            continue
        found.add(current)
        queue.extend(merged_from.get(current, ()))
        carried = by_id[current].carried_from
        if carried and carried in by_id:
            queue.append(carried)
    return found


def authored_counts(ids: Iterable[str], proposals: Sequence[ProposalNode]) -> dict[str, int]:
    """How many of these proposals each constituency wrote: members' own proposals, not
    the copies carried into later stages."""
    by_id = {node.id: node for node in proposals}
    counts: dict[str, int] = {}
    for proposal_id in ids:
        node = by_id.get(proposal_id)
        # A carried copy is the same proposal again: its first version counts, once.
        if node is not None and node.constituency and not node.withdrawn and not node.carried_from:
            counts[node.constituency] = counts.get(node.constituency, 0) + 1
    return counts


# --- The whole picture --------------------------------------------------------------


@dataclass(frozen=True)
class StageFacts:
    id: str
    title: str
    position: int
    options: tuple[str, ...] = ()  # proposals voted on (empty: no vote recorded)
    adopted: tuple[str, ...] = ()  # options the decision adopted
    carried_on: tuple[str, ...] = ()  # proposals carried from this stage into a later one


@dataclass(frozen=True)
class Inputs:
    members: Mapping[str, int]  # voting members per constituency
    stages: Sequence[StageFacts]
    proposals: Sequence[ProposalNode]
    comments: Mapping[str, Mapping[str, int]]  # stage id -> constituency -> comments
    voters: Mapping[str, Mapping[str, int]]  # stage id -> constituency -> participations
    smallest: int = SMALLEST_GROUP_FLOOR
    # Votes a facilitator recorded for a member at their request: stage id -> constituency.
    helped: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # Proposals behind recommendations the organisation accepted (in full or in part).
    accepted: tuple[str, ...] = ()
    # Confirmed delivery actions owned by members, per constituency (project-wide).
    actions_owned: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StageBalance:
    stage: StageFacts
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class PowerBalance:
    members: Figure
    figures: tuple[Figure, ...]
    problem_definers: Figure
    stages: tuple[StageBalance, ...] = field(default=())


def adopted_from_rows(method: str, rows: Sequence[Mapping[str, object]], voters: int) -> list[str]:
    """The options a decision record adopted: those that passed (consent), were in
    (scoring), or came first (dots, ranking). Nothing when nobody voted."""
    if voters <= 0:
        return []
    if method == "consent":
        return [str(row["option"]) for row in rows if row.get("verdict") == "Passes"]
    if method == "scoring":
        return [str(row["option"]) for row in rows if row.get("verdict") == "In"]
    return [str(row["option"]) for row in rows if row.get("place") == 1]


FIGURES = {
    "proposals": ("Proposals made", "made %(share)s%% of proposals"),
    "comments": ("Comments written", "wrote %(share)s%% of comments"),
    "ballots": ("Votes cast", "cast %(share)s%% of votes"),
    "reached_vote": (
        "Proposals that reached a vote",
        "wrote %(share)s%% of the proposals that reached a vote",
    ),
    "adopted": (
        "Proposals behind what was adopted",
        "wrote %(share)s%% of the proposals behind the options adopted",
    ),
    "helped": (
        "Votes recorded with help",
        "had %(share)s%% of the votes recorded with help (by phone, on paper, in a meeting)",
    ),
    "accepted": (
        "Proposals behind recommendations the organisation accepted",
        "wrote %(share)s%% of the proposals behind recommendations accepted in full or in part",
    ),
    "actions_owned": (
        "Delivery actions owned by members",
        "own %(share)s%% of the delivery actions members own",
    ),
}


def _figure(key: str, values: Mapping[str, int], inputs: Inputs, **extra: object) -> Figure:
    title, verb = FIGURES[key]
    return balance(
        name=key,
        title=title,
        verb=verb,
        values=values,
        members=inputs.members,
        smallest=inputs.smallest,
        **extra,  # type: ignore[arg-type]
    )


def _add(total: dict[str, int], more: Mapping[str, int]) -> None:
    for name, count in more.items():
        total[name] = total.get(name, 0) + count


def _stage_figures(
    inputs: Inputs, stages: Sequence[StageFacts], stage_ids: set[str]
) -> tuple[Figure, ...]:
    made = authored_counts(
        (node.id for node in inputs.proposals if node.stage_id in stage_ids), inputs.proposals
    )
    comments: dict[str, int] = {}
    voters: dict[str, int] = {}
    helped: dict[str, int] = {}
    for stage_id in stage_ids:
        _add(comments, inputs.comments.get(stage_id, {}))
        _add(voters, inputs.voters.get(stage_id, {}))
        _add(helped, inputs.helped.get(stage_id, {}))
    options = [option for stage in stages for option in stage.options]
    adopted = [option for stage in stages for option in stage.adopted]
    # Turnout is about voters: a group with too few voters is pooled even if it has
    # enough members (no turnout figure shows fewer than the smallest group).
    nodes = inputs.proposals
    return (
        _figure("proposals", made, inputs),
        _figure("comments", comments, inputs),
        _figure("ballots", voters, inputs, people=_voter_people(voters, inputs.members)),
        _figure("reached_vote", authored_counts(ancestors(options, nodes), nodes), inputs),
        _figure("adopted", authored_counts(ancestors(adopted, nodes), nodes), inputs),
        # Shown once someone voted with help; few do, so small groups pool by voters.
        *(
            [_figure("helped", helped, inputs, people=_voter_people(helped, inputs.members))]
            if helped
            else []
        ),
    )


def _voter_people(voters: Mapping[str, int], members: Mapping[str, int]) -> dict[str, int]:
    """Voters decide what is small; a group with no voters is counted by its members so
    its share of members still shows (a 0% turnout says nothing about anyone)."""
    return {name: voters.get(name) or members.get(name, 0) for name in set(voters) | set(members)}


def power_balance(inputs: Inputs) -> PowerBalance:
    """Every figure for the project, the problem definers, and each stage on its own."""
    stages = sorted(inputs.stages, key=lambda stage: stage.position)
    members = balance(
        name="members",
        title="Voting members",
        verb="are %(share)s%% of voting members",
        values=inputs.members,
        members=inputs.members,
        smallest=inputs.smallest,
    )
    nodes = inputs.proposals
    # What the organisation did with the decisions, once it has done something.
    delivery = []
    if inputs.accepted:
        accepted = authored_counts(ancestors(inputs.accepted, nodes), nodes)
        delivery.append(_figure("accepted", accepted, inputs))
    if inputs.actions_owned:
        owners = _voter_people(inputs.actions_owned, inputs.members)
        delivery.append(_figure("actions_owned", inputs.actions_owned, inputs, people=owners))
    every = (*_stage_figures(inputs, stages, {stage.id for stage in stages}), *delivery)
    definers = problem_definers(inputs, stages)
    per_stage = tuple(
        StageBalance(stage, _stage_figures(inputs, [stage], {stage.id})) for stage in stages
    )
    return PowerBalance(members, every, definers, per_stage)


def problem_definers(inputs: Inputs, stages: Sequence[StageFacts]) -> Figure:
    """Who defined the problem: the constituencies of the authors of first-stage
    proposals carried forward into what was decided (adopted in any vote, or carried
    on into a later stage), following merges and carry-forwards."""
    first = stages[0].id if stages else None
    decided = [option for stage in stages for option in (*stage.adopted, *stage.carried_on)]
    roots = {
        proposal_id
        for proposal_id in ancestors(decided, inputs.proposals)
        if any(node.id == proposal_id and node.stage_id == first for node in inputs.proposals)
    }
    return balance(
        name="problem_definers",
        title="Who defined the problem",
        verb="wrote %(share)s%% of the first-stage proposals carried into what was decided",
        values=authored_counts(roots, inputs.proposals),
        members=inputs.members,
        smallest=inputs.smallest,
    )


# --- The pulse -------------------------------------------------------------------


@dataclass(frozen=True)
class PulseGroup:
    key: str
    label: str
    answers: int
    means: tuple[float | None, ...]  # one per statement, 1 to 5


@dataclass(frozen=True)
class PulseResult:
    answers: int
    withheld: bool
    means: tuple[float | None, ...]
    groups: tuple[PulseGroup, ...]
    ladder: tuple[tuple[str, int], ...]  # rung, percent of those who placed it


def pulse_result(
    answers: Sequence[tuple[str, Sequence[int | None], str]],
    *,
    statements: int,
    rungs: Sequence[str],
    smallest: int = SMALLEST_GROUP_FLOOR,
) -> PulseResult:
    """Average score per statement, overall and per group (pooled like every figure),
    and where people put the stage on the ladder. `answers` are (constituency, scores,
    rung) with a score None for a statement left out and a rung "" when not placed."""
    people: dict[str, int] = {}
    for constituency, _scores, _rung in answers:
        people[constituency] = people.get(constituency, 0) + 1
    alone, pool, withheld = grouping(people, smallest)
    if withheld or not answers:
        return PulseResult(len(answers), bool(answers), (), (), ())

    def means_of(chosen: Sequence[Sequence[int | None]]) -> tuple[float | None, ...]:
        out = []
        for index in range(statements):
            given = [s[index] for s in chosen if index < len(s) and s[index] is not None]
            out.append(_one_decimal(mean(given)) if given else None)
        return tuple(out)

    groups = [
        PulseGroup(
            name,
            PEOPLE.get(name, POOL_LABEL if name == POOL else name),
            people[name],
            means_of([s for c, s, _r in answers if c == name]),
        )
        for name in alone
    ]
    if pool:
        groups.append(
            PulseGroup(
                POOL,
                POOL_LABEL,
                sum(people[name] for name in pool),
                means_of([s for c, s, _r in answers if c in pool]),
            )
        )
    placed = [rung for _c, _s, rung in answers if rung]
    shares = percentages([placed.count(rung) for rung in rungs])
    return PulseResult(
        len(answers),
        False,
        means_of([s for _c, s, _r in answers]),
        tuple(groups),
        tuple(zip(rungs, shares, strict=True)) if placed else (),
    )


def trend(results: Sequence[PulseResult]) -> list[float | None]:
    """Each stage's average over all statements (None where nothing can be shown)."""
    out: list[float | None] = []
    for result in results:
        given = [value for value in result.means if value is not None]
        out.append(_one_decimal(mean(given)) if given and not result.withheld else None)
    return out
