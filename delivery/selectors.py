"""Reads the delivery pages need, with their related rows loaded in a fixed number of
queries, however many recommendations and actions there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from delivery.models import (
    OPEN_STATUSES,
    OWNER_ROLES,
    Action,
    ActionStatus,
    ActionUpdate,
    DeliveryComment,
    Recommendation,
    Response,
)
from participants.models import User
from projects.models import Membership, Project
from projects.selectors import parse_uuid


@dataclass(frozen=True)
class DeliverySummary:
    """Progress at a glance: "4 of 6 actions done, 1 overdue"."""

    recommendations: int
    responses_overdue: int
    actions: int
    actions_done: int
    actions_overdue: int


def _open_overdue(today: date) -> Q:
    return Q(confirmed_at__isnull=False, status__in=OPEN_STATUSES, due_on__lt=today)


def delivery_summary(project: Project, today: date) -> DeliverySummary:
    """Two queries. Actions counted are confirmed and not dropped."""
    actions = Action.objects.filter(
        recommendation__project=project, confirmed_at__isnull=False
    ).exclude(status=ActionStatus.DROPPED)
    counts = actions.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=ActionStatus.DONE)),
        overdue=Count("pk", filter=_open_overdue(today)),
    )
    recommendations = Recommendation.objects.filter(project=project).aggregate(
        total=Count("pk"),
        overdue=Count(
            "pk", filter=Q(responses__isnull=True, response_due_on__lt=today), distinct=True
        ),
    )
    return DeliverySummary(
        recommendations=recommendations["total"],
        responses_overdue=recommendations["overdue"],
        actions=counts["total"],
        actions_done=counts["done"],
        actions_overdue=counts["overdue"],
    )


def _responses() -> Prefetch:
    return Prefetch(
        "responses",
        queryset=Response.objects.select_related("written_by").order_by("-version"),
        to_attr="versions",
    )


def _actions() -> Prefetch:
    return Prefetch(
        "actions",
        queryset=Action.objects.select_related("owner").order_by("due_on", "proposed_at", "id"),
        to_attr="action_list",
    )


def _annotate(recommendation: Recommendation, project: Project, today: date) -> Recommendation:
    recommendation.project = project
    recommendation.current = recommendation.versions[0] if recommendation.versions else None
    recommendation.response_overdue = (
        recommendation.current is None and recommendation.response_due_on < today
    )
    for action in recommendation.action_list:
        action.recommendation = recommendation
        action.overdue = action.overdue_on(today)
    return recommendation


def project_recommendations(project: Project, today: date) -> list[Recommendation]:
    """Every recommendation with its response versions (newest first) and its actions:
    three queries."""
    rows = (
        Recommendation.objects.filter(project=project)
        .select_related("record__stage")
        .prefetch_related(_responses(), _actions())
        .order_by("record__created_at", "position")
    )
    return [_annotate(row, project, today) for row in rows]


def get_recommendation(project: Project, recommendation_id: object, today: date) -> Recommendation:
    found = (
        Recommendation.objects.filter(project=project, pk=parse_uuid(recommendation_id))
        .select_related("record__stage", "proposal")
        .prefetch_related(
            _responses(),
            _actions(),
            Prefetch(
                "comments",
                queryset=DeliveryComment.objects.filter(action__isnull=True).select_related(
                    "author"
                ),
                to_attr="comment_list",
            ),
        )
        .first()
    )
    if found is None:
        raise Http404
    return _annotate(found, project, today)


def get_action(project: Project, action_id: object, today: date) -> Action:
    found = (
        Action.objects.filter(recommendation__project=project, pk=parse_uuid(action_id))
        .select_related("owner", "proposed_by", "confirmed_by", "recommendation")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ActionUpdate.objects.select_related("author"),
                to_attr="update_list",
            ),
            Prefetch(
                "comments",
                queryset=DeliveryComment.objects.select_related("author"),
                to_attr="comment_list",
            ),
        )
        .first()
    )
    if found is None:
        raise Http404
    found.recommendation.project = project
    found.overdue = found.overdue_on(today)
    return found


def current_response(recommendation: Recommendation) -> Response | None:
    return recommendation.responses.order_by("-version").first()


def possible_owners(project: Project) -> list[User]:
    """Everyone who can own an action: members, facilitators and sponsors of the project."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            project=project, left_at__isnull=True, role__in=OWNER_ROLES
        )
        .select_related("user")
        .order_by("user__display_name", "user_id")
    ]


def overdue_actions_for(user: User, today: date) -> QuerySet[Action]:
    """The person's own confirmed, unfinished actions past their date, in projects they are
    still in: for their home page."""
    return (
        Action.objects.filter(
            _open_overdue(today),
            owner=user,
            recommendation__project__memberships__user=user,
            recommendation__project__memberships__left_at__isnull=True,
        )
        .select_related("recommendation__project")
        .order_by("due_on", "id")
    )
