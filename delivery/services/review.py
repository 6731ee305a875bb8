"""The review of delivery ("did we do what we said?") and "You said, we did".

- `review_options_create`: a facilitator puts the recommendations that were acted on to a
  review stage's verdict vote: one proposal each in the review stage, linked back to its
  recommendation here (decisions knows only the proposal). The vote itself, its secrecy,
  sealing, small-group rule and decision record are decisions' own.
- `report_publish` / `report_withdraw`: a facilitator publishes "You said, we did" as a
  public page (no sign-in, no personal data) under a fresh random address, and withdraws it.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from decisions import services as decision_services
from decisions.models import Proposal, VotingMethod
from delivery import permissions
from delivery.models import (
    Action,
    ActionStatus,
    PublicReport,
    Recommendation,
    Response,
    ReviewOption,
)
from participants.models import User
from projects.models import Project, Stage

_STATUS_WORDS = dict(ActionStatus.choices)


def _option_body(recommendation: Recommendation) -> str:
    """What members judge: the response and the actions, in plain words."""
    current = recommendation.versions[0] if recommendation.versions else None
    lines = []
    if current is not None:
        lines.append(f"The organisation's response: {current.get_answer_display()}.")
        if current.reasons:
            lines.append(f"Reasons: {current.reasons}")
        lines.append(f"What would happen next: {current.next_steps}")
    lines.append("Actions:")
    for action in recommendation.action_list:
        lines.append(f"- {action.title} ({_STATUS_WORDS[action.status]}).")
    return "\n".join(lines)[: Proposal.BODY_MAX]


def _acted_on(project: Project) -> list[Recommendation]:
    """The project's recommendations with at least one confirmed action, with their response
    versions and confirmed actions (three queries)."""
    rows = (
        Recommendation.objects.filter(project=project, actions__confirmed_at__isnull=False)
        .distinct()
        .prefetch_related(
            Prefetch(
                "responses", queryset=Response.objects.order_by("-version"), to_attr="versions"
            ),
            Prefetch(
                "actions",
                queryset=Action.objects.filter(confirmed_at__isnull=False).order_by(
                    "due_on", "proposed_at", "id"
                ),
                to_attr="action_list",
            ),
        )
        .order_by("record__created_at", "position")
    )
    return list(rows)


def review_options_create(*, actor: User, stage: Stage) -> list[ReviewOption]:
    """Put every recommendation acted on (at least one confirmed action) to the review stage's
    verdict vote, before voting opens; the stage's vote becomes a verdict vote. Adds only the
    recommendations not there yet, so it can be run again as more are acted on."""
    project = stage.project
    if not permissions.can_open_review(actor, project):
        raise RightsError("Only the project's facilitators open the review.")
    if stage.kind != Stage.Kind.REVIEW:
        raise RuleError("Recommendations are reviewed in a review stage.")
    if stage.voting_has_opened or stage.state == Stage.State.CLOSED:
        raise RuleError(
            "Voting has opened in this review stage, so no recommendation can be added now."
        )
    recommendations = _acted_on(project)
    if not recommendations:
        raise RuleError(
            "No recommendation has a confirmed action yet, so there is nothing to review."
        )
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        decision_services.voting_rules_update(
            actor=actor, stage=locked, voting_method=VotingMethod.VERDICT
        )
        there = set(
            ReviewOption.objects.filter(stage=locked).values_list("recommendation_id", flat=True)
        )
        made = []
        for recommendation in recommendations:
            if recommendation.pk in there:
                continue
            proposal = Proposal.objects.create(
                stage=locked,
                author=None,
                title=recommendation.title,
                body=_option_body(recommendation),
                carried_from_id=recommendation.proposal_id,
            )
            made.append(
                ReviewOption(proposal=proposal, stage=locked, recommendation=recommendation)
            )
        ReviewOption.objects.bulk_create(made)
        if made:
            record(
                action="delivery.review_options_created",
                actor=actor,
                project_id=project.pk,
                target=locked,
                details={"stage": str(locked.pk), "count": len(made)},
            )
    return made


def report_publish(*, actor: User, project: Project) -> PublicReport:
    """Publish "You said, we did" as a public page under a new random address (an address
    withdrawn earlier stays dead)."""
    if not permissions.can_publish_report(actor, project):
        raise RightsError("Only the project's facilitators publish its public page.")
    with transaction.atomic():
        report, _created = PublicReport.objects.select_for_update().get_or_create(
            project=project, defaults={"token": secrets.token_urlsafe(32)}
        )
        if report.published:
            return report
        if not _created:
            report.token = secrets.token_urlsafe(32)
        report.published, report.published_at = True, timezone.now()
        report.save()
        record(action="delivery.report_published", actor=actor, project_id=project.pk)
    return report


def report_withdraw(*, actor: User, project: Project) -> PublicReport | None:
    """Withdraw the public page: its address gives "not found" from now on."""
    if not permissions.can_publish_report(actor, project):
        raise RightsError("Only the project's facilitators withdraw its public page.")
    with transaction.atomic():
        report = PublicReport.objects.select_for_update().filter(project=project).first()
        if report is None or not report.published:
            return report
        report.published, report.withdrawn_at = False, timezone.now()
        report.save(update_fields=["published", "withdrawn_at"])
        record(action="delivery.report_withdrawn", actor=actor, project_id=project.pk)
    return report
