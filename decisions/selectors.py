"""Reads about proposals and comments, and the access helpers that load them (or 404)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from coproduce.text import MAX_BIGINT, parse_bounded_int
from decisions.models import SMALLEST_GROUP_FLOOR, Ballot, Comment, DecisionRecord, Proposal
from decisions.rules import smallest_group_shown, too_few_to_show, voting_rules_for
from participants.models import Constituency, User
from projects.models import Stage

PAGE_SIZE = 25


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def get_proposal(stage: Stage, proposal_id: object) -> Proposal:
    """A proposal of a stage the person has already reached (through `stage_page`), or 404."""
    proposal = (
        Proposal.objects.select_related("author", "merged_into")
        .filter(stage=stage, pk=_uuid(proposal_id))
        .first()
    )
    if proposal is None:
        raise Http404
    proposal.stage = stage
    return proposal


def get_comment(proposal: Proposal, comment_id: object) -> Comment:
    """A comment on a proposal the person has already reached, or 404."""
    comment_pk = parse_bounded_int(str(comment_id), minimum=1, maximum=MAX_BIGINT)
    if comment_pk is None:
        raise Http404
    comment = Comment.objects.filter(proposal=proposal, pk=comment_pk).first()
    if comment is None:
        raise Http404
    comment.proposal = proposal
    return comment


def stage_proposals(stage: Stage, *, search: str = "", page_number: object = 1) -> Page:
    """Active proposals of a stage, newest last, a page at a time; `search` ranks by relevance."""
    proposals: QuerySet[Proposal] = (
        Proposal.objects.filter(stage=stage, status=Proposal.Status.ACTIVE)
        .select_related("author", "stage")
        .annotate(
            comment_count=Count(
                "comments", filter=Q(comments__hidden=False, comments__deleted_at__isnull=True)
            )
        )
    )
    if search.strip():
        query = SearchQuery(search.strip(), config="english", search_type="websearch")
        proposals = (
            proposals.filter(search=query)
            .annotate(rank=SearchRank(F("search"), query))
            .order_by("-rank", "created_at", "id")
        )
    else:
        proposals = proposals.order_by("created_at", "id")
    return Paginator(proposals, PAGE_SIZE).get_page(page_number)


def author_own_inactive(stage: Stage, user: User) -> list[Proposal]:
    """The person's own withdrawn, hidden or merged proposals, so they can see what happened
    (each knows its stage, the one given: its address costs no query)."""
    proposals = list(
        Proposal.objects.filter(stage=stage, author=user)
        .exclude(status=Proposal.Status.ACTIVE)
        .select_related("merged_into")
        .order_by("created_at")
    )
    for proposal in proposals:
        proposal.stage = stage
    return proposals


@dataclass(frozen=True)
class Origin:
    proposal: Proposal
    how: str  # "merged" or "carried"


def proposal_origins(proposal: Proposal, *, limit: int = 200) -> list[Origin]:
    """Every submission this proposal grew from, back to the first ideas (breadth first)."""
    origins: list[Origin] = []
    frontier = [proposal]
    while frontier and len(origins) < limit:
        ids = [item.pk for item in frontier]
        merged = list(
            Proposal.objects.filter(merged_into__in=ids)
            .select_related("author", "stage")
            .order_by("created_at")
        )
        carried_ids = [item.carried_from_id for item in frontier if item.carried_from_id]
        carried = list(
            Proposal.objects.filter(pk__in=carried_ids).select_related("author", "stage")
        )
        origins += [Origin(item, "merged") for item in merged]
        origins += [Origin(item, "carried") for item in carried]
        frontier = merged + carried
    return origins[:limit]


def proposal_comments(proposal: Proposal) -> list[Comment]:
    """Top-level comments with their replies, oldest first: two queries whatever the count."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    return list(
        Comment.objects.filter(proposal=proposal, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def later_stages(stage: Stage) -> list[Stage]:
    return list(
        Stage.objects.filter(
            project_id=stage.project_id,
            position__gt=stage.position,
            state__in=(Stage.State.DRAFT, Stage.State.OPEN),
        ).order_by("position")
    )


def active_proposals(stage: Stage) -> list[Proposal]:
    return list(
        Proposal.objects.filter(stage=stage, status=Proposal.Status.ACTIVE).order_by(
            "created_at", "id"
        )
    )


def decision_record(stage: Stage) -> DecisionRecord | None:
    return DecisionRecord.objects.filter(stage=stage).first()


def _with_scale(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add what a bar needs: the largest value is the full bar."""
    largest = max((row["value"] for row in rows), default=0) or 1
    return [{**row, "bar": round(row["value"] / largest * 100)} for row in rows]


def _groups(
    parts: dict[str, list[dict[str, Any]]],
    electorate: dict[str, int],
    turnout: dict[str, int],
    smallest: int,
) -> tuple[list[dict[str, Any]], bool]:
    """Each constituency's turnout, and its own result only where nobody's vote can be
    worked out from what the page shows; and whether every group's result was withheld.

    A group with fewer voters than `smallest` (never below SMALLEST_GROUP_FLOOR) shows
    neither its result nor its exact turnout ("fewer than 3"). And the whole result is
    the groups' results added up: if the small groups had fewer than `smallest` voters
    between them (for example one group with a single voter), taking the shown groups
    from the whole would give their result. Then no group's own result is shown.
    """
    smallest = max(smallest, SMALLEST_GROUP_FLOOR)
    groups = []
    for value, label in Constituency.choices:
        members, voters = electorate.get(value, 0), turnout.get(value, 0)
        if not members and not voters:
            continue
        groups.append(
            {
                "constituency": value,
                "label": label,
                "members": members,
                "voters": voters if voters >= smallest else None,
                "shown": voters >= smallest,
                "rows": _with_scale(parts.get(value, [])) if voters >= smallest else [],
                "_voters": voters,
            }
        )
    in_small_groups = sum(group["_voters"] for group in groups if not group["shown"])
    withheld = 0 < in_small_groups < smallest and any(group["shown"] for group in groups)
    for group in groups:
        del group["_voters"]
        if withheld:
            group["shown"], group["rows"] = False, []
    return groups, withheld


def decision_page(stage: Stage) -> dict[str, Any] | None:
    """Everything the decision page shows: the record, or live results if chosen; else None."""
    record = decision_record(stage)
    if record is not None:
        table, electorate, turnout = record.table, record.electorate, record.turnout
        live = False
    elif stage.state == Stage.State.VOTING and voting_rules_for(stage).live_results:
        from decisions.results import count_stage
        from decisions.services import electorate_at_opening, stage_options

        ballots = list(Ballot.objects.filter(stage=stage).order_by("constituency", "content", "id"))
        counted = count_stage(stage, ballots, stage_options(stage))
        table, electorate, live = counted, electorate_at_opening(stage), True
        turnout = {}
        for ballot in ballots:
            turnout[ballot.constituency] = turnout.get(ballot.constituency, 0) + 1
    else:
        return None
    proposals = {
        str(proposal.pk): proposal
        for proposal in Proposal.objects.filter(stage=stage).select_related("stage")
    }
    smallest = smallest_group_shown(stage)
    groups, groups_withheld = _groups(table["parts"], electorate, turnout, smallest)
    rows = [
        {**row, "url": proposals[row["option"]].get_absolute_url()}
        if row["option"] in proposals
        else row
        for row in _with_scale(table["rows"])
    ]
    return {
        "record": record,
        "live": live,
        "figure_name": table["figure_name"],
        "rows": rows,
        "groups": groups,
        "groups_withheld": groups_withheld,
        "smallest_group": smallest,
        "block_reasons": [
            (proposals[option].title if option in proposals else option, reasons)
            for option, reasons in table.get("block_reasons", {}).items()
            if reasons
        ],
        # Review verdicts' comments, without names (like the reasons for blocks).
        "verdict_comments": [
            (proposals[option].title if option in proposals else option, comments)
            for option, comments in table.get("comments", {}).items()
            if comments
        ],
        "electorate_total": sum(electorate.values()),
        "turnout_total": sum(turnout.values()),
        "few_voters": too_few_to_show(stage, sum(turnout.values())),
        "notes": list(record.notes.select_related("written_by")) if record else [],
    }


def voting_members(stage: Stage) -> list[tuple[str, str]]:
    """The stage's project's current members who can vote, as (id, display name) choices
    for a facilitator recording a vote with help. Names only: never how anyone voted."""
    from projects.models import Membership, Role

    return [
        (str(user_id), name)
        for user_id, name in Membership.objects.filter(
            project_id=stage.project_id, role=Role.MEMBER, left_at__isnull=True
        )
        .order_by("user__display_name", "user_id")
        .values_list("user_id", "user__display_name")
    ]
