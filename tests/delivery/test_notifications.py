"""What delivery tells people: responses to the group, requests and reminders to
sponsors, actions and their reminders to owners; once each, as each person chose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delivery import notify
from delivery.models import Action, Recommendation
from delivery.tasks import delivery_reminders_due
from participants.models import User
from participants.notifications.models import Notification, NotificationPreference
from projects.models import Project
from tests.conftest import join
from tests.delivery import helpers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _kinds(person: User, kind: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, kind=kind)
        .order_by("created_at")
        .values_list("subject", flat=True)
    )


def test_sponsors_are_asked_to_respond_when_recommendations_are_made(
    project: Project, facilitator: User, members: list[User]
) -> None:
    sponsor = helpers.add_sponsor(project)
    helpers.recommendations(project, facilitator, members)
    assert _kinds(sponsor, "response_due") == [
        "The group's recommendations are ready for your response"
    ]


def test_with_no_sponsor_the_facilitators_are_told_nobody_can_respond(
    client, project: Project, facilitator: User, members: list[User]
) -> None:
    helpers.recommendations(project, facilitator, members)
    assert _kinds(facilitator, "response_due") == [
        "The group's recommendations need a sponsor to respond"
    ]
    client.force_login(facilitator)
    page = client.get(f"/projects/{project.pk}/delivery/")
    assert page.status_code == 200
    assert "Nobody can respond yet" in page.text
    assert f"/projects/{project.pk}/people/invite/" in page.text
    client.force_login(members[0])  # members are not asked to invite anyone
    page = client.get(f"/projects/{project.pk}/delivery/")
    assert page.status_code == 200
    assert "Nobody can respond yet" not in page.text
    helpers.add_sponsor(project)
    client.force_login(facilitator)
    page = client.get(f"/projects/{project.pk}/delivery/")
    assert page.status_code == 200
    assert "Nobody can respond yet" not in page.text


def test_response_reminders_before_and_after_the_date_once_each(
    recs: list[Recommendation], sponsor: User
) -> None:
    Notification.objects.all().delete()
    due = recs[0].response_due_on
    helpers.respond(sponsor, recs[1], "accepted")  # answered: no reminder
    helpers.respond(sponsor, recs[2], "declined")
    assert notify.delivery_reminders_send(today=due - timedelta(days=8)) == 0
    assert notify.delivery_reminders_send(today=due - timedelta(days=7)) == 1
    assert notify.delivery_reminders_send(today=due - timedelta(days=2)) == 1  # asked again...
    assert _kinds(sponsor, "response_due") == ["A response is due soon"]  # ...written once
    notify.delivery_reminders_send(today=due + timedelta(days=1))
    notify.delivery_reminders_send(today=due + timedelta(days=2))
    assert _kinds(sponsor, "response_due") == ["A response is due soon", "A response is overdue"]


def test_response_reminders_read_each_projects_sponsors_once(
    project: Project, recs: list[Recommendation], sponsor: User
) -> None:
    """However many recommendations of a project wait, one read of its sponsors a run."""
    second_sponsor = UserFactory(email="second-sponsor@example.org", display_name="Tall Ash")
    join(project, second_sponsor, "sponsor")
    Notification.objects.all().delete()
    due = recs[0].response_due_on
    with CaptureQueriesContext(connection) as queries:
        asked = notify.response_reminders_send(today=due - timedelta(days=2))
    assert asked == 3 * 2  # three recommendations, two sponsors each
    read_memberships = [
        query["sql"]
        for query in queries.captured_queries
        if '"projects_membership"' in query["sql"] and query["sql"].startswith("SELECT")
    ]
    assert len(read_memberships) == 1, read_memberships
    for person in (sponsor, second_sponsor):
        assert _kinds(person, "response_due") == ["A response is due soon"] * 3


def test_action_reminders_go_to_the_owner(
    recs: list[Recommendation], sponsor: User, carer_member: User, clinician_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member, due_on=helpers.in_days(10))
    assert _kinds(carer_member, "action_assigned") == ["A delivery action is yours"]
    today = action.due_on
    notify.action_reminders_send(today=today - timedelta(days=3))
    notify.action_reminders_send(today=today + timedelta(days=1))
    notify.action_reminders_send(today=today + timedelta(days=5))
    assert _kinds(carer_member, "action_due") == [
        "An action of yours is due soon",
        "An action of yours is overdue",
    ]
    assert not _kinds(clinician_member, "action_due")


def test_reminders_follow_a_new_owner_and_date(
    recs: list[Recommendation],
    sponsor: User,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member, due_on=helpers.in_days(2))
    notify.action_reminders_send(today=helpers.in_days(0))
    assert _kinds(carer_member, "action_due") == ["An action of yours is due soon"]
    # Given to the clinician, due in ten days: the carer's reminder (not emailed yet) is
    # withdrawn, the clinician is told the action is theirs.
    helpers.services.action_change(
        actor=facilitator,
        action=helpers.fresh_action(action),
        owner=clinician_member,
        due_on=helpers.in_days(10),
    )
    assert _kinds(carer_member, "action_due") == []
    assert _kinds(clinician_member, "action_assigned") == ["A delivery action is yours"]
    assigned = Notification.objects.get(recipient=clinician_member, kind="action_assigned")
    assert f"due by {helpers.in_days(10):%d %B %Y}" in assigned.body
    # Nothing is due soon any more on the old date; on the new one, the new owner hears.
    assert notify.action_reminders_send(today=helpers.in_days(1)) == 0
    notify.action_reminders_send(today=helpers.in_days(7))
    notify.action_reminders_send(today=helpers.in_days(11))
    assert _kinds(clinician_member, "action_due") == [
        "An action of yours is due soon",
        "An action of yours is overdue",
    ]
    assert _kinds(carer_member, "action_due") == []
    # A new date only: the owner is told it.
    helpers.services.action_change(
        actor=sponsor,
        action=helpers.fresh_action(action),
        owner=clinician_member,
        due_on=helpers.in_days(20),
    )
    told = Notification.objects.filter(recipient=clinician_member, kind="action_due").latest(
        "created_at"
    )
    assert told.subject == "The date your action is due has changed"
    assert f"now due by {helpers.in_days(20):%d %B %Y}" in told.body
    # Given back to the carer (who was told at confirmation), then to the clinician again:
    # each is told again.
    for owner in (carer_member, clinician_member):
        helpers.services.action_change(
            actor=facilitator,
            action=helpers.fresh_action(action),
            owner=owner,
            due_on=helpers.in_days(20),
        )
    assert _kinds(carer_member, "action_assigned") == ["A delivery action is yours"] * 2
    assert _kinds(clinician_member, "action_assigned") == ["A delivery action is yours"] * 2


def test_finished_and_unconfirmed_actions_get_no_reminders(
    recs: list[Recommendation], sponsor: User, carer_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    done = helpers.confirmed_action(sponsor, recs[0], carer_member, due_on=helpers.in_days(1))
    Action.objects.filter(pk=done.pk).update(status="done")
    helpers.services.action_propose(
        actor=carer_member,
        recommendation=helpers.fresh(recs[0]),
        title="Proposed only",
        done_looks_like="x",
        owner=carer_member,
        due_on=helpers.in_days(1),
    )
    assert notify.action_reminders_send(today=helpers.in_days(5)) == 0


def test_the_scheduled_task_makes_missing_recommendations_and_reminds(
    project: Project, facilitator: User, members: list[User]
) -> None:
    sponsor = helpers.add_sponsor(project)
    helpers.closed_vote(project, facilitator, members)  # its signal runs only on commit
    assert not Recommendation.objects.exists()
    delivery_reminders_due()
    assert Recommendation.objects.filter(project=project).count() == 3
    assert _kinds(sponsor, "response_due")
    delivery_reminders_due()
    assert Recommendation.objects.filter(project=project).count() == 3


def test_a_response_is_emailed_as_each_member_chose(
    recs: list[Recommendation],
    sponsor: User,
    lived_experience_member: User,
    carer_member: User,
    django_capture_on_commit_callbacks,
) -> None:
    NotificationPreference.objects.create(
        user=carer_member, kind="response_published", delivery="off"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        helpers.respond(sponsor, recs[0], "declined")
    emailed = {address for message in mail.outbox for address in message.to}
    assert lived_experience_member.email in emailed
    assert carer_member.email not in emailed
    assert Notification.objects.get(recipient=carer_member, kind="response_published")
