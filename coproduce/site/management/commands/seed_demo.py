"""Create the demo accounts and the demo project for `make run`.

Safe to run again: it only brings the demo data up to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from decisions import services as decision_services
from decisions.models import Proposal
from delivery.demo import add_delivery_demo
from evidence.demo import evidence_demo_ensure
from meetings.demo import add_demo_meetings
from participants.models import User
from payments.demo import add_demo_payments
from projects import services as project_services
from projects.models import Membership, Project, Stage

DEMO_PASSWORD = "co-produce demo"  # noqa: S105 (published on purpose; DEBUG only)
# Published too: facilitators and observers must use two-factor sign-in. `manage.py
# demo_code` prints the current code; any authenticator app can also take this secret.
DEMO_TOTP_SECRET = "COPRODUCEDEMOCOPRODUCEDEMO234567"  # noqa: S105
DEMO_PROJECT_TITLE = "Better crisis care at night"
DEMO_VOTE_PROJECT_TITLE = "Where we meet next: a quick vote"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    role: str
    project_role: str = ""
    constituency: str = ""

    @property
    def needs_mfa(self) -> bool:
        return self.project_role in ("facilitator", "observer", "sponsor")


DEMO_PEOPLE = (
    DemoPerson(
        "lived-experience@example.org",
        "Quiet Heron",
        "member with lived experience",
        "member",
        "lived_experience",
    ),
    DemoPerson("carer@example.org", "Steady Rowan", "carer member", "member", "carer"),
    DemoPerson("clinician@example.org", "Clear Brook", "clinician member", "member", "clinician"),
    DemoPerson("facilitator@example.org", "Warm Lark", "facilitator", "facilitator"),
    DemoPerson("manager@example.org", "Silver Birch", "NHS manager (observer)", "observer"),
    DemoPerson("sponsor@example.org", "Bright Oak", "NHS manager (sponsor)", "sponsor"),
    DemoPerson("outsider@example.org", "Misty Fern", "outsider (in no project)"),
)


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and the demo project (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG=true: demo accounts have a published password."
            )
        with transaction.atomic():
            people = {person.email: (person, _ensure_person(person)) for person in DEMO_PEOPLE}
            project = _ensure_project(people)
            _ensure_proposals(project, people)
            add_demo_payments(project, add_demo_meetings(project))
            vote_project = _ensure_project(people, **DEMO_VOTE_PROJECT)
            demo_vote = _ensure_demo_vote(vote_project, people)
            evidence_demo_ensure(**_evidence_cast(people))
            # After the reflections in the first stage: delivery closes it (its vote is over).
            add_delivery_demo(project, {email: user for email, (_p, user) in people.items()})
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD!r}):")
        for person in DEMO_PEOPLE:
            self.stdout.write(f"  {person.email:<32} {person.display_name:<14} {person.role}")
        self.stdout.write(
            "Or sign in with a code: the email lands in var/mail/ and in this console.\n"
            "The facilitator, the manager and the sponsor also need a two-factor code: "
            "`make demo-code` prints it."
        )
        closes = timezone.localtime(demo_vote.closes_at)
        self.stdout.write(
            f'Demo vote: "{demo_vote.title}" in "{vote_project.title}" closes by itself at '
            f"{closes:%H:%M} ({closes.tzname()}). Sign in as lived-experience@example.org to "
            "vote before then; afterwards the decision and its emails appear (var/mail/)."
        )


def _evidence_cast(people: dict[str, tuple[DemoPerson, User]]) -> dict[str, Any]:
    """The demo's facilitator, observer and one member per group, for `evidence.demo`."""
    by_role = {person.project_role: user for person, user in people.values()}
    members = {person.constituency: user for person, user in people.values() if person.constituency}
    return {
        "facilitator": by_role["facilitator"],
        "observer": by_role["observer"],
        "members": members,
    }


def _ensure_person(person: DemoPerson) -> User:
    user, _created = User.objects.get_or_create(
        email=person.email, defaults={"display_name": person.display_name}
    )
    user.display_name = person.display_name
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["display_name", "password"])
    EmailAddress.objects.update_or_create(
        user=user, email=person.email, defaults={"primary": True, "verified": True}
    )
    if (
        person.needs_mfa
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, DEMO_TOTP_SECRET)
    if person.project_role == "facilitator":
        user.user_permissions.add(Permission.objects.get(codename="add_project"))
    return User.objects.get(pk=user.pk)


GROUND_RULES = (
    "We treat each other with respect.\n"
    "Everyone's experience counts the same.\n"
    "Each member has one vote, and votes are secret.\n"
    "What is said about someone's care stays in the group.\n"
    "You can take a break or leave at any time."
)

DEMO_PROJECT = {
    "title": DEMO_PROJECT_TITLE,
    "purpose": (
        "People who call the crisis line at night, their carers and the staff who "
        "answer it decide together what should change, and then change it."
    ),
    "easy_read_summary": (
        "Some people call for help at night. We want the night help to be better. "
        "We will decide together what to change."
    ),
}

DEMO_VOTE_PROJECT = {
    "title": DEMO_VOTE_PROJECT_TITLE,
    "purpose": (
        "A short vote to try the portal: where should the group meet next? Each time the "
        "portal starts on a development machine, a new round opens, and its voting closes "
        "by itself a few minutes later."
    ),
    "easy_read_summary": (
        "We choose where to meet next. Vote soon: the vote ends by itself in a few minutes."
    ),
    "standard_stages": False,
}


def _ensure_project(
    people: dict[str, tuple[DemoPerson, User]],
    *,
    title: str = DEMO_PROJECT_TITLE,
    purpose: str = DEMO_PROJECT["purpose"],
    easy_read_summary: str = DEMO_PROJECT["easy_read_summary"],
    standard_stages: bool = True,
) -> Project:
    facilitator = people["facilitator@example.org"][1]
    project = Project.objects.filter(title=title, created_by=facilitator).first()
    if project is None:
        project = project_services.project_create(
            actor=facilitator,
            title=title,
            purpose=purpose,
            easy_read_summary=easy_read_summary,
            ground_rules=GROUND_RULES,
        )
        if standard_stages:
            first_stage = project.stages.order_by("position").first()
            project_services.stage_transition(actor=facilitator, stage=first_stage, to_state="open")
        else:
            for stage in project.stages.order_by("-position"):
                project_services.stage_delete(actor=facilitator, stage=stage)
    for person, user in people.values():
        # The sponsor joins the demo project only, with its delivery (delivery.demo).
        if person.project_role in ("", "facilitator", "sponsor"):
            continue
        if Membership.objects.filter(project=project, user=user, left_at__isnull=True).exists():
            continue
        _invitation, token = project_services.invitation_create(
            actor=facilitator, project=project, email=user.email, role=person.project_role
        )
        project_services.invitation_accept(
            actor=user,
            token=token,
            constituency=person.constituency,
            accepts_ground_rules=True,
        )
    return project


DEMO_PROPOSALS = (
    (
        "lived-experience@example.org",
        "Nobody answers the crisis line after 2am",
        "When I rang at 3am it rang for twenty minutes. I gave up and went to A&E.",
    ),
    (
        "carer@example.org",
        "Carers are not told what happens next",
        "After my son called, nobody told me what the plan was or who to ring.",
    ),
    (
        "clinician@example.org",
        "One person covers the whole county at night",
        "On most nights a single nurse takes every call and every visit.",
    ),
    (
        "lived-experience@example.org",
        "Somewhere calm to wait",
        "The A&E waiting room at night is loud and bright. A quiet room would help.",
    ),
)


def _ensure_proposals(project: Project, people: dict[str, tuple[DemoPerson, User]]) -> None:
    stage = project.stages.order_by("position").first()
    if stage.state != "open" or Proposal.objects.filter(stage=stage).exists():
        return
    proposals = [
        decision_services.proposal_create(
            actor=people[email][1], stage=stage, title=title, body=body
        )
        for email, title, body in DEMO_PROPOSALS
    ]
    comment = decision_services.comment_create(
        actor=people["clinician@example.org"][1],
        proposal=proposals[0],
        body="This matches what we see: calls queue when the one nurse is out on a visit.",
    )
    decision_services.comment_create(
        actor=people["carer@example.org"][1],
        proposal=proposals[0],
        body="It happened to us too.",
        parent=comment,
    )


DEMO_VOTE_OPTIONS = (
    ("carer@example.org", "The library community room", "Quiet, step-free, and on a bus route."),
    (
        "clinician@example.org",
        "The crisis café on the high street",
        "Open late, and people know it.",
    ),
    ("lived-experience@example.org", "Online, by video call", "Nobody has to travel at night."),
)
# How two demo members vote, so the result has something in it: option number -> dots.
DEMO_VOTE_BALLOTS = (("carer@example.org", {0: 2, 2: 1}), ("clinician@example.org", {1: 3}))


def _ensure_demo_vote(project: Project, people: dict[str, tuple[DemoPerson, User]]) -> Stage:
    """A round of the quick vote whose voting closes by itself in DEMO_VOTE_MINUTES.

    A round still well before its closing time is kept; otherwise a new round is added,
    so each `make run` shows a vote closing by itself a few minutes after the start.
    """
    now = timezone.now()
    current = project.stages.filter(
        state=Stage.State.VOTING, closes_at__gt=now + timedelta(minutes=1)
    ).first()
    if current is not None:
        return current
    facilitator = people["facilitator@example.org"][1]
    minutes = max(1, settings.DEMO_VOTE_MINUTES)
    # On the next whole minute (never sooner than `minutes`), so the time printed is the
    # time it closes.
    earliest = now + timedelta(minutes=minutes)
    closes_at = earliest.replace(second=0, microsecond=0)
    if closes_at < earliest:
        closes_at += timedelta(minutes=1)
    round_number = project.stages.count() + 1
    stage = project_services.stage_create(
        actor=facilitator,
        project=project,
        kind=Stage.Kind.PRIORITY_SETTING,
        title=f"Round {round_number}: where we meet next",
        description=(
            "Share out your 3 dots between the places you would like. "
            "Voting closes by itself at the time shown."
        ),
        opens_at=now,
        voting_opens_at=now,
        closes_at=closes_at,
    )
    decision_services.voting_rules_update(
        actor=facilitator, stage=stage, voting_method="dots", dots_per_member=3
    )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    options = [
        decision_services.proposal_create(
            actor=people[email][1], stage=stage, title=title, body=body
        )
        for email, title, body in DEMO_VOTE_OPTIONS
    ]
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    for email, dots in DEMO_VOTE_BALLOTS:
        decision_services.ballot_cast(
            actor=people[email][1],
            stage=stage,
            raw={str(options[index].pk): count for index, count in dots.items()},
        )
    return stage
