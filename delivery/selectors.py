"""Reads the delivery pages need, with their related rows loaded in a fixed number of
queries, however many recommendations and actions there are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from decisions.models import Proposal
from decisions.rules import too_few_to_show
from delivery.models import (
    OPEN_STATUSES,
    OWNER_ROLES,
    Action,
    ActionStatus,
    ActionUpdate,
    DeliveryComment,
    PublicReport,
    Recommendation,
    Response,
    ReviewOption,
)
from participants.models import User
from projects.models import Membership, Project, Role, Stage
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
    return delivery_summaries([project], today)[project.pk]


def delivery_summaries(projects: list[Project], today: date) -> dict[Any, DeliverySummary]:
    """`delivery_summary` for many projects at once, by project id: the same two queries
    (grouped by project), however many projects."""
    ids = [project.pk for project in projects]
    actions = {
        row["recommendation__project_id"]: row
        for row in Action.objects.filter(
            recommendation__project_id__in=ids, confirmed_at__isnull=False
        )
        .exclude(status=ActionStatus.DROPPED)
        .values("recommendation__project_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=ActionStatus.DONE)),
            overdue=Count("pk", filter=_open_overdue(today)),
        )
        .order_by()
    }
    recommendations = {
        row["project_id"]: row
        for row in Recommendation.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(
            total=Count("pk", distinct=True),  # the join with responses repeats each one
            overdue=Count(
                "pk", filter=Q(responses__isnull=True, response_due_on__lt=today), distinct=True
            ),
        )
        .order_by()
    }
    nothing = {"total": 0, "done": 0, "overdue": 0}
    return {
        pk: DeliverySummary(
            recommendations=recommendations.get(pk, nothing)["total"],
            responses_overdue=recommendations.get(pk, nothing)["overdue"],
            actions=actions.get(pk, nothing)["total"],
            actions_done=actions.get(pk, nothing)["done"],
            actions_overdue=actions.get(pk, nothing)["overdue"],
        )
        for pk in ids
    }


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


# --- "You said, we did" and the review --------------------------------------------------


@dataclass
class ReportItem:
    """One recommendation's whole trail, for "You said, we did": the first ideas it grew
    from, the priority vote, the response, the actions and the members' verdict."""

    recommendation: Recommendation
    first_ideas: list[Proposal]
    response: Response | None
    actions: list[Action]
    review_stage: Stage | None = None
    verdict: dict[str, Any] | None = None
    """The decision record's row for this recommendation (counts, leading verdict)."""
    verdict_open: bool = False
    """The review's voting is open: no verdict yet."""
    verdict_withheld: bool = False
    """Fewer voted than the smallest group shown: figures are not shown on the public page."""


def _first_ideas(recommendations: list[Recommendation]) -> dict[Any, list[Proposal]]:
    """For each recommendation, the first submissions its proposal grew from, following
    carry-forward and merge links back: two queries for each step back, however many
    recommendations (the steps are the stages, a handful)."""
    found: dict[Any, dict[Any, Proposal]] = {rec.pk: {} for rec in recommendations}
    frontier: list[tuple[Proposal, Any]] = [(rec.proposal, rec.pk) for rec in recommendations]
    for _step in range(20):
        if not frontier:
            break
        owners: dict[Any, set[Any]] = {}
        for proposal, owner in frontier:
            owners.setdefault(proposal.pk, set()).add(owner)
            found[owner][proposal.pk] = proposal
        carried_from = {p.carried_from_id: p.pk for p, _ in frontier if p.carried_from_id}
        merged = list(Proposal.objects.filter(merged_into__in=list(owners)).select_related("stage"))
        carried = list(Proposal.objects.filter(pk__in=list(carried_from)).select_related("stage"))
        next_frontier = []
        for proposal in merged:
            for owner in owners[proposal.merged_into_id]:
                if proposal.pk not in found[owner]:
                    next_frontier.append((proposal, owner))
        for proposal in carried:
            for owner in owners[carried_from[proposal.pk]]:
                if proposal.pk not in found[owner]:
                    next_frontier.append((proposal, owner))
        frontier = next_frontier
    result = {}
    for owner, proposals in found.items():
        merged_into = {p.merged_into_id for p in proposals.values() if p.merged_into_id}
        leaves = [
            p
            for p in proposals.values()
            if p.carried_from_id is None
            and p.pk not in merged_into
            and p.status != Proposal.Status.HIDDEN
        ]
        result[owner] = sorted(leaves, key=lambda p: (p.stage.position, p.created_at, str(p.pk)))
    return result


def report_items(project: Project, *, with_people: bool = True) -> list[ReportItem]:
    """Every recommendation of the project with its whole trail, in a fixed number of queries
    whatever the number of actions. `with_people=False` (the public page) loads no names."""
    actions = Action.objects.filter(confirmed_at__isnull=False).order_by(
        "due_on", "proposed_at", "id"
    )
    responses = Response.objects.order_by("-version")
    if with_people:
        actions = actions.select_related("owner")
        responses = responses.select_related("written_by")
    rows = list(
        Recommendation.objects.filter(project=project)
        .select_related("record__stage", "proposal__stage")
        .prefetch_related(
            Prefetch("responses", queryset=responses, to_attr="versions"),
            Prefetch("actions", queryset=actions, to_attr="action_list"),
        )
        .order_by("record__created_at", "position")
    )
    reviews: dict[Any, ReviewOption] = {}
    for option in (
        ReviewOption.objects.filter(recommendation__project=project)
        .select_related("stage__decision", "stage__voting_rules")
        .order_by("stage__position", "created_at")
    ):
        reviews[option.recommendation_id] = option  # the latest review stage wins
    ideas = _first_ideas(rows)
    items = []
    today = timezone.localdate()
    for row in rows:
        for action in row.action_list:
            action.overdue = action.overdue_on(today)  # the status tag says "Overdue"
        row.project = project
        item = ReportItem(
            recommendation=row,
            first_ideas=ideas.get(row.pk, []),
            response=row.versions[0] if row.versions else None,
            actions=row.action_list,
        )
        option = reviews.get(row.pk)
        if option is not None:
            stage = option.stage
            item.review_stage = stage
            record = getattr(stage, "decision", None)
            if record is not None:
                # Decisions' own small-group rule, as its decision page applies it.
                voters = sum(int(count) for count in record.turnout.values())
                item.verdict_withheld = too_few_to_show(stage, voters)
                item.verdict = next(
                    (r for r in record.table["rows"] if r["option"] == str(option.proposal_id)),
                    None,
                )
            else:
                item.verdict_open = stage.state == Stage.State.VOTING
        items.append(item)
    return items


def review_stages(project: Project) -> list[Stage]:
    """The project's review stages where voting has not opened: where recommendations can be
    put to the verdict vote."""
    return list(
        Stage.objects.filter(
            project=project,
            kind=Stage.Kind.REVIEW,
            state__in=(Stage.State.DRAFT, Stage.State.OPEN),
        ).order_by("position")
    )


# What `secrets.token_urlsafe(32)` makes: anything else is not found, without a query.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def public_report(token: str) -> PublicReport:
    """The published report for a token; 404 for a withdrawn, unknown or malformed one."""
    if not _TOKEN.fullmatch(str(token)):
        raise Http404
    found = (
        PublicReport.objects.filter(token=token, published=True).select_related("project").first()
    )
    if found is None:
        raise Http404
    return found


def has_sponsor(project: Project) -> bool:
    """Whether anyone can respond to the group's recommendations: a current sponsor."""
    return Membership.objects.filter(
        project=project, role=Role.SPONSOR, left_at__isnull=True
    ).exists()
