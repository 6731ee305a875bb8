"""No page makes more queries when there is more in it: 10 proposals or 1,000, 1 project
or 50, 10 audit events or 10,000. Exact counts of queries, never times (speed is
measured in bench/).

The rows are made the real way (services, `record()`) where that is quick enough, and
in bulk where it would take minutes, with the same shape the services give them: every
proposal in a stage with an author who is a member, comments and replies, some
withdrawn or hidden, projects with their role groups, stages in every state and
invitations still waiting.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterable
from itertools import cycle

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record
from coproduce.audit.verify import verify_chain
from decisions import services
from decisions.models import Comment, Proposal
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import join
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TRAIL_QUERY_LIMIT = 12


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    """How many queries one request for the page makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def _counts(client, people: dict[str, User], urls: dict[str, str]) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    """Each page's query count for each person (the first request of each warms up)."""
    counts = {}
    for who, person in people.items():
        client.force_login(person)
        client.get(reverse("home"))
        for page, url in urls.items():
            counts[who, page] = _queries(client, url)
    return counts


# --- 10 proposals or 1,000 ---------------------------------------------------------


def _stage_url(name: str, stage: Stage, **kwargs: object) -> str:
    return reverse(
        f"decisions:{name}", kwargs={"project_id": stage.project_id, "stage_id": stage.pk, **kwargs}
    )


def _project_like(fixture_project: Project, facilitator: User, people: Iterable[User]) -> Project:
    """A second project with the same facilitator and people in the same roles."""
    other = project_services.project_create(
        actor=facilitator,
        title="Quicker discharge home",
        purpose="Plan leaving hospital with the people it affects.",
        ground_rules="We listen.",
    )
    for person in people:
        membership = fixture_project.memberships.get(user=person)
        join(other, person, membership.role, membership.constituency)
    return other


def _open_with_proposals(stage: Stage, facilitator: User, authors: list[User], total: int) -> Stage:
    """Open the stage and give it `total` proposals: ten through the service (with their
    comments), the rest in bulk the same shape, a few withdrawn or hidden."""
    services.voting_rules_update(
        actor=facilitator, stage=stage, voting_method="dots", dots_per_member=3
    )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    made = []
    for number, author in zip(range(10), cycle(authors), strict=False):
        proposal = services.proposal_create(
            actor=author, stage=stage, title=f"Idea {number}", body="Why it matters to us."
        )
        opening = services.comment_create(actor=authors[0], proposal=proposal, body="I agree.")
        services.comment_create(
            actor=authors[1], proposal=proposal, body="Me too, and also...", parent=opening
        )
        made.append(proposal)
    start = timezone.now()
    statuses = cycle([Proposal.Status.ACTIVE] * 8 + [Proposal.Status.WITHDRAWN])
    extra = Proposal.objects.bulk_create(
        Proposal(
            stage=stage,
            author=author,
            title=f"Idea {number}",
            body="Why it matters to us, at some length. " * 5,
            status=next(statuses),
            created_at=start + dt.timedelta(seconds=number),
        )
        for number, author in zip(range(10, total), cycle(authors), strict=False)
    )
    Proposal.objects.filter(pk__in=[proposal.pk for proposal in extra[3::50]]).update(
        status=Proposal.Status.HIDDEN, moderation_reason="Off topic."
    )
    comments = Comment.objects.bulk_create(
        Comment(proposal=proposal, author=author, body="A thought on this.")
        for proposal, author in zip(extra[::2], cycle(authors), strict=False)
    )
    Comment.objects.bulk_create(
        Comment(proposal=comment.proposal, parent=comment, author=authors[-1], body="Yes.")
        for comment in comments[::3]
    )
    return stage


def test_no_page_makes_more_queries_with_1000_proposals_than_with_10(
    client,
    project: Project,
    facilitator: User,
    manager: User,
    carer_member: User,
    lived_experience_member: User,
    clinician_member: User,
) -> None:
    members = [carer_member, lived_experience_member, clinician_member]
    people = {"member": carer_member, "facilitator": facilitator, "observer": manager}
    few_project = project
    many_project = _project_like(project, facilitator, [*members, manager])
    few = _open_with_proposals(few_project.stages.get(position=2), facilitator, members, 10)
    many = _open_with_proposals(many_project.stages.get(position=2), facilitator, members, 1000)
    assert Proposal.objects.filter(stage=many).count() == 1000

    def urls(stage: Stage) -> dict[str, str]:
        first = Proposal.objects.filter(stage=stage).order_by("created_at").first()
        return {
            "project page": reverse("projects:detail", kwargs={"project_id": stage.project_id}),
            "stage page": _stage_url("stage", stage),
            "proposal list": _stage_url("proposals", stage),
            "proposal list, page 3": _stage_url("proposals", stage) + "?page=3",
            "proposal list, searched": _stage_url("proposals", stage) + "?q=matters",
            "proposal": _stage_url("proposal", stage, proposal_id=first.pk),
        }

    # While proposals are being made.
    home = {"home": reverse("home")}
    assert _counts(client, people, {**urls(few), **home}) == _counts(
        client, people, {**urls(many), **home}
    )

    # While members vote (a few have).
    few, many = (
        project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
        for stage in (few, many)
    )
    for stage in (few, many):
        options = services.stage_options(stage)
        for member, option in zip(members, options, strict=False):
            services.ballot_cast(actor=member, stage=stage, raw={str(option.pk): 2})

    def voting_urls(stage: Stage, pages: dict[str, str]) -> dict[str, str]:
        return {
            **urls(stage),
            **{page: _stage_url(name, stage) for page, name in pages.items()},
            **home,
        }

    member_pages = {"ballot": "ballot", "results so far": "decision"}
    facilitator_pages = {"voting rules": "voting_rules", "results so far": "decision"}
    for who, pages in (("member", member_pages), ("facilitator", facilitator_pages)):
        person = {who: people[who]}
        assert _counts(client, person, voting_urls(few, pages)) == _counts(
            client, person, voting_urls(many, pages)
        )

    # After the vote: the decision record.
    for stage in (few, many):
        services.voting_close(actor=facilitator, stage=stage)
    decided = {"decision record": "decision", "stage page": "stage", "proposal list": "proposals"}

    def decided_urls(stage: Stage) -> dict[str, str]:
        return {page: _stage_url(name, stage) for page, name in decided.items()}

    assert _counts(client, people, decided_urls(few)) == _counts(client, people, decided_urls(many))


# --- 1 project or 50 -----------------------------------------------------------------


def _more_projects(facilitator: User, member: User, observer: User, total: int) -> None:
    """`total` more projects through the services, in every state a person meets: some
    with a stage open for proposals, some voting, some with the member invited only."""
    for number in range(total):
        extra = project_services.project_create(
            actor=facilitator,
            title=f"Extra {number}",
            purpose="Another piece of work.",
            ground_rules="We listen.",
        )
        if number % 5 == 4:
            # Invited, not yet joined: the home page lists the invitation.
            project_services.invitation_create(
                actor=facilitator, project=extra, email=member.email, role="member"
            )
            continue
        join(extra, member, "member", "carer")
        if number % 3 == 0:
            join(extra, observer, "observer")
        stage = extra.stages.get(position=2)
        if number % 5 in (1, 2):
            stage = project_services.stage_transition(
                actor=facilitator, stage=stage, to_state="open"
            )
        if number % 5 == 2:
            services.proposal_create(actor=member, stage=stage, title="An idea", body="Because.")
            project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def test_home_makes_the_same_queries_with_1_project_or_50(
    client, project: Project, facilitator: User, manager: User, carer_member: User
) -> None:
    people = {"member": carer_member, "facilitator": facilitator, "observer": manager}
    pages = {"home": reverse("home"), "notifications": reverse("participants:notifications")}
    # Something is happening in the one project: a stage open (members are told).
    project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    assert carer_member.notifications.exists()
    one = _counts(client, people, pages)
    _more_projects(facilitator, carer_member, manager, 49)
    assert Project.objects.filter(memberships__user=facilitator).distinct().count() == 50
    client.force_login(carer_member)
    page = client.get(reverse("home"))
    assert "Extra 48" in page.text  # listed: the page really shows them
    assert "Extra 49" not in page.text
    assert _counts(client, people, pages) == one


# --- 10 trail events or 10,000 ---------------------------------------------------------


def _record_many(project: Project, people: list[User], total: int) -> None:
    """`total` events through the real `record()`: mostly votes (re-cast, over the 40
    days before today), with proposals, comments and stage changes between them."""
    import coproduce.audit.record as record_module

    stages = list(project.stages.order_by("position"))
    start = timezone.now() - dt.timedelta(days=41)
    step = dt.timedelta(days=40) / total
    real = record_module.timezone
    try:
        with transaction.atomic():
            for number in range(total):
                moment = start + step * number
                record_module.timezone = types.SimpleNamespace(now=lambda moment=moment: moment)
                person = people[number % len(people)]
                stage = stages[1]
                if number % 10 == 9:
                    record(
                        action="comment.created",
                        actor=person,
                        project_id=project.pk,
                        details={"proposal": "not-a-proposal", "reply": False},
                    )
                elif number % 25 == 0:
                    record(
                        action="stage.updated",
                        actor=person,
                        project_id=project.pk,
                        target=stage,
                        details={"closes_at": ["None", str(moment.date())], "texts_changed": []},
                    )
                else:
                    record(
                        action="ballot.cast",
                        actor=person,
                        project_id=project.pk,
                        details={"stage": str(stage.pk)},
                    )
    finally:
        record_module.timezone = real


def test_the_trail_makes_at_most_12_queries_with_10_events_or_10000(
    client,
    project: Project,
    facilitator: User,
    manager: User,
    carer_member: User,
    lived_experience_member: User,
    clinician_member: User,
) -> None:
    def trail(name: str) -> str:
        return reverse(f"trail:{name}", kwargs={"project_id": project.pk})

    pages = {
        "trail": trail("trail"),
        "trail, votes only": trail("trail") + "?what=group:votes",
        "trail, one stage": trail("trail") + f"?stage={project.stages.get(position=2).pk}",
        "history": trail("history"),
        "anchors": trail("anchors"),
    }
    readers = {"facilitator": facilitator, "observer": manager}
    members = [carer_member, lived_experience_member, clinician_member]
    assert AuditEvent.objects.filter(project_id=project.pk).count() <= 20
    few = _counts(client, readers, pages)
    others = [UserFactory() for _ in range(40)]
    for person in others:
        join(project, person, "member", "lived_experience")
    _record_many(project, [*members, *others], 10_000)
    assert AuditEvent.objects.filter(project_id=project.pk).count() > 10_000
    many = _counts(client, readers, pages)
    assert many == few
    assert max(count for (_who, page), count in many.items() if page == "trail") <= (
        TRAIL_QUERY_LIMIT
    )
    # The votes are there, as counts for each day, and the chain is whole.
    client.force_login(manager)
    votes = client.get(pages["trail"]).text.split('id="votes"')[1]
    assert "43 members voted in &#x27;" in votes
    assert verify_chain(project.pk).intact


# --- Projects you oversee: 1 project or 10 ----------------------------------------------

# The session and the person; the projects, their stages and reports, the person's
# rights on them; whether they have an authenticator; the seven reads of the
# power-balance figures; the pulses and their answers; the delivery counts (two); the
# unread notifications of the header.
ORGANISATION_QUERIES = 19


def _overseen_project(
    number: int, facilitator: User, members: list[User], observer: User, capture
) -> Project:  # type: ignore[no-untyped-def]
    """A project the observer oversees, with something in every row of the page: a stage
    closed with proposals (its pulse sent, answered and closed), a vote recorded, a
    recommendation and a report."""
    from evidence import services as evidence_services
    from evidence.models import Pulse
    from tests.delivery import helpers as delivery_helpers

    extra = project_services.project_create(
        actor=facilitator, title=f"Overseen {number}", purpose="Work.", ground_rules="We listen."
    )
    for person, group in zip(members, ("lived_experience", "carer", "clinician"), strict=True):
        join(extra, person, "member", group)
    join(extra, observer, "observer")
    first = project_services.stage_transition(
        actor=facilitator, stage=extra.stages.get(position=1), to_state="open"
    )
    for person in members:
        services.proposal_create(actor=person, stage=first, title="An idea", body="Because.")
    with capture(execute=True):
        first = project_services.stage_transition(actor=facilitator, stage=first, to_state="closed")
    pulse = Pulse.objects.select_related("stage__project").get(stage=first)
    for person in members:
        evidence_services.pulse_answer(actor=person, pulse=pulse, scores=[4, 4, 4, 4])
    evidence_services.pulse_close(actor=facilitator, pulse=pulse)
    delivery_helpers.recommendations(extra, facilitator, members, titles=("Night line",))
    evidence_services.report_make(actor=observer, project=extra)
    return extra


def test_projects_you_oversee_makes_the_same_queries_for_1_project_or_10(
    client,
    facilitator: User,
    manager: User,
    lived_experience_member: User,
    carer_member: User,
    clinician_member: User,
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import force_login_with_two_factors

    members = [lived_experience_member, carer_member, clinician_member]
    url = reverse("evidence:organisation")

    def counted() -> int:
        force_login_with_two_factors(client, manager)
        client.get(url)  # warms up
        return _queries(client, url)

    _overseen_project(0, facilitator, members, manager, django_capture_on_commit_callbacks)
    one = counted()
    for number in range(1, 10):
        _overseen_project(number, facilitator, members, manager, django_capture_on_commit_callbacks)
    page = client.get(url)
    assert page.text.count("Report of ") == 10  # every project is really shown, in full
    assert "Overseen 9" in page.text
    assert (one, counted()) == (ORGANISATION_QUERIES, ORGANISATION_QUERIES)
