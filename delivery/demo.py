"""Demo data for delivery (`manage.py seed_demo`, development only): in the demo project,
the first stage's problems carried into a priority vote that has closed, its
recommendations, the sponsor's responses of each kind, and actions owned by members.
Then the review: the recommendations acted on are put to the review stage's verdict vote,
which is open, with verdicts from three constituencies; "You said, we did" is published
as a public page.

Safe to run again: it adds only what is missing.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from decisions import services as decision_services
from decisions.models import DecisionRecord, Proposal
from delivery import services
from delivery.models import Action, PublicReport, Recommendation, ReviewOption
from participants.models import User
from projects import services as project_services
from projects.models import Membership, Project, Role, Stage

# Dots each member placed, by the first stage's proposals in order: every one has support.
DEMO_BALLOTS = {
    "lived-experience@example.org": {0: 2, 3: 1},
    "carer@example.org": {1: 2, 0: 1},
    "clinician@example.org": {2: 2, 0: 1},
}
# The sponsor's response to each recommendation, in the result's order.
DEMO_RESPONSES = (
    (
        "accepted",
        "",
        "A second night nurse joins the rota from next month. The group's members own the "
        "actions below with us.",
    ),
    (
        "accepted_in_part",
        "We can phone the carer the person names, but not share the care plan without "
        "their consent.",
        "A call to the named carer after every night visit, with the person's agreement.",
    ),
    (
        "not_now",
        "The building work on the ward runs until the spring; there is no room free before.",
        "We look again in April, with the group.",
    ),
    (
        "declined",
        "The night team is too small to cover this safely, and we will not promise what we "
        "cannot staff.",
        "We will bring the staffing figures to the group's next meeting.",
    ),
)


def _closed_priority_vote(project: Project, people: dict[str, User]) -> DecisionRecord | None:
    facilitator = people["facilitator@example.org"]
    stages = list(project.stages.select_related("project").order_by("position"))
    first, priorities = stages[0], stages[1]
    if hasattr(priorities, "decision"):
        return priorities.decision
    proposals = list(
        Proposal.objects.filter(stage=first, status=Proposal.Status.ACTIVE).order_by("created_at")
    )
    if len(proposals) < len(DEMO_RESPONSES) or priorities.state != Stage.State.DRAFT:
        return None
    if first.state == Stage.State.OPEN:
        first = project_services.stage_transition(actor=facilitator, stage=first, to_state="closed")
    carried = decision_services.proposals_carry_forward(
        actor=facilitator, from_stage=first, to_stage=priorities, proposals=proposals
    )
    decision_services.voting_rules_update(
        actor=facilitator, stage=priorities, voting_method="dots", dots_per_member=3
    )
    stage = project_services.stage_transition(actor=facilitator, stage=priorities, to_state="open")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    for email, dots in DEMO_BALLOTS.items():
        decision_services.ballot_cast(
            actor=people[email],
            stage=stage,
            raw={str(carried[index].pk): count for index, count in dots.items()},
        )
    return decision_services.voting_close(actor=facilitator, stage=stage)


def _ensure_sponsor(project: Project, people: dict[str, User]) -> User:
    sponsor = people["sponsor@example.org"]
    if not Membership.objects.filter(project=project, user=sponsor, left_at__isnull=True).exists():
        _invitation, token = project_services.invitation_create(
            actor=people["facilitator@example.org"],
            project=project,
            email=sponsor.email,
            role=Role.SPONSOR,
        )
        project_services.invitation_accept(actor=sponsor, token=token, accepts_ground_rules=True)
    return sponsor


# Each member's verdict on every recommendation under review, with a comment (no names).
DEMO_VERDICTS = {
    "lived-experience@example.org": (
        "differently",
        "The peer worker is there two nights, not three.",
    ),
    "carer@example.org": ("as_decided", ""),
    "clinician@example.org": ("not_done", "The rota still has one nurse on most nights."),
}


def add_delivery_demo(project: Project, people: dict[str, User]) -> None:
    """Bring the demo project's delivery up to date (see the module's docstring)."""
    sponsor = _ensure_sponsor(project, people)
    record = _closed_priority_vote(project, people)
    if record is None:
        return
    recommendations = services.recommendations_from_decision(record=record)
    if not recommendations:
        return
    if not recommendations[0].responses.exists():
        _responses_and_actions(project, people, sponsor, recommendations)
    _review(project, people)


def _review(project: Project, people: dict[str, User]) -> None:
    """Open the review stage's verdict vote on the recommendations acted on, with three
    constituencies' verdicts, and publish "You said, we did"."""
    facilitator = people["facilitator@example.org"]
    review = project.stages.select_related("project").filter(kind=Stage.Kind.REVIEW).first()
    if review is None or ReviewOption.objects.filter(stage=review).exists():
        return
    if review.state != Stage.State.DRAFT:
        return
    _call_after_visits(project, people)
    services.review_options_create(actor=facilitator, stage=review)
    review = project_services.stage_transition(actor=facilitator, stage=review, to_state="open")
    review = project_services.stage_transition(actor=facilitator, stage=review, to_state="voting")
    options = decision_services.stage_options(review)
    for email, (verdict, comment) in DEMO_VERDICTS.items():
        decision_services.ballot_cast(
            actor=people[email],
            stage=review,
            raw={str(option.pk): {"verdict": verdict, "comment": comment} for option in options},
            options=options,
        )
    if not PublicReport.objects.filter(project=project, published=True).exists():
        services.report_publish(actor=facilitator, project=project)


def _call_after_visits(project: Project, people: dict[str, User]) -> None:
    """The recommendation accepted in part gets an action the sponsor adds, done already."""
    in_part = (
        Recommendation.objects.select_related("project")
        .filter(project=project, responses__answer="accepted_in_part")
        .first()
    )
    if in_part is None:
        return
    sponsor = people["sponsor@example.org"]
    call = services.action_propose(
        actor=sponsor,
        recommendation=in_part,
        title="A call to the named carer after every night visit",
        done_looks_like="The nurse calls the carer the person names, after every night visit.",
        owner=sponsor,
        due_on=timezone.localdate() + timedelta(days=7),
    )
    services.action_status_change(actor=sponsor, action=call, status="in_progress")
    call = Action.objects.select_related("recommendation__project").get(pk=call.pk)
    services.action_status_change(actor=sponsor, action=call, status="done")
    services.action_update_post(
        actor=sponsor,
        action=Action.objects.select_related("recommendation__project").get(pk=call.pk),
        text="Nurses have called carers after every night visit for four weeks.",
        evidence_url="",
    )


def _responses_and_actions(
    project: Project, people: dict[str, User], sponsor: User, recommendations: list[Recommendation]
) -> None:
    for recommendation, (answer, reasons, next_steps) in zip(
        recommendations, DEMO_RESPONSES, strict=False
    ):
        services.response_write(
            actor=sponsor,
            recommendation=Recommendation.objects.select_related("project").get(
                pk=recommendation.pk
            ),
            answer=answer,
            reasons=reasons,
            next_steps=next_steps,
        )
    accepted, in_part, _not_now, declined = (
        Recommendation.objects.select_related("project").get(pk=r.pk) for r in recommendations[:4]
    )
    lived = people["lived-experience@example.org"]
    clinician = people["clinician@example.org"]
    today = timezone.localdate()
    peer_line = services.action_propose(
        actor=sponsor,
        recommendation=accepted,
        title="Peer support worker on the night line",
        done_looks_like="A peer support worker answers calls on three nights a week.",
        owner=lived,
        due_on=today + timedelta(days=45),
    )
    services.action_status_change(actor=lived, action=peer_line, status="in_progress")
    services.action_update_post(
        actor=lived,
        action=peer_line,
        text="The job description is written with the group and agreed by HR.",
        evidence_url="https://example.org/peer-support-job-description",
    )
    rota = services.action_propose(
        actor=sponsor,
        recommendation=accepted,
        title="Second nurse on the night rota",
        done_looks_like="Two nurses on every night shift for four weeks in a row.",
        owner=clinician,
        due_on=today,
    )
    # The demo shows an overdue action: people cannot choose a date in the past, so the
    # demo moves this one's date back after the fact.
    Action.objects.filter(pk=rota.pk).update(due_on=today - timedelta(days=5))
    services.action_comment_create(
        actor=people["carer@example.org"],
        action=rota,
        body="Is there news on the rota? Nights are still very long for us.",
    )
    services.action_propose(
        actor=people["carer@example.org"],
        recommendation=in_part,
        title="A carer's checklist for the call after a visit",
        done_looks_like="A one-page checklist the nurse uses on every call to a carer.",
        owner=people["carer@example.org"],
        due_on=today + timedelta(days=30),
    )
    services.recommendation_comment_create(
        actor=people["clinician@example.org"],
        recommendation=declined,
        body="We could cover it if the day team's on-call changed. Can we look at that?",
    )
