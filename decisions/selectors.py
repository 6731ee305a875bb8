"""Reads about proposals and comments, and the access helpers that load them (or 404)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from decisions.models import Comment, Proposal
from participants.models import User
from projects.models import Stage
from projects.selectors import ProjectAccess, get_stage_for_user

PAGE_SIZE = 25


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def get_proposal_for_user(
    user: User, project_id: object, stage_id: object, proposal_id: object
) -> tuple[ProjectAccess, Proposal]:
    access, stage = get_stage_for_user(user, project_id, stage_id)
    proposal = (
        Proposal.objects.select_related("author", "merged_into")
        .filter(stage=stage, pk=_uuid(proposal_id))
        .first()
    )
    if proposal is None:
        raise Http404
    proposal.stage = stage
    return access, proposal


def get_comment_for_user(
    user: User, project_id: object, stage_id: object, proposal_id: object, comment_id: object
) -> tuple[ProjectAccess, Comment]:
    access, proposal = get_proposal_for_user(user, project_id, stage_id, proposal_id)
    try:
        comment_pk = int(str(comment_id))
    except ValueError:
        raise Http404 from None
    comment = Comment.objects.filter(proposal=proposal, pk=comment_pk).first()
    if comment is None:
        raise Http404
    comment.proposal = proposal
    return access, comment


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
    """The person's own withdrawn, hidden or merged proposals, so they can see what happened."""
    return list(
        Proposal.objects.filter(stage=stage, author=user)
        .exclude(status=Proposal.Status.ACTIVE)
        .select_related("merged_into")
        .order_by("created_at")
    )


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
