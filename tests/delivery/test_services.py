"""Delivery's services: recommendations from a vote, responses (every version kept),
actions moved step by step, updates, comments, rights and the audit trail."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from decisions.models import DecisionRecord
from delivery import services
from delivery.models import Action, Recommendation, Response
from participants.models import User
from participants.notifications.models import Notification
from projects.models import Project
from tests.delivery import helpers
from trail.describe import DescribeContext, describe, describe_for_members

pytestmark = pytest.mark.django_db


def _field_error(call, field: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call()
    assert caught.value.field == field
    return str(caught.value)


# --- Recommendations ----------------------------------------------------------------


def test_a_closed_vote_makes_its_adopted_options_recommendations(
    recs: list[Recommendation],
) -> None:
    assert sorted(rec.title for rec in recs) == sorted(helpers.OPTION_TITLES)
    record = DecisionRecord.objects.get()
    for rec in recs:
        assert rec.record_id == record.pk
        assert rec.proposal.title == rec.title  # traced back to the first idea
        expected = timezone.localdate(record.created_at) + timedelta(days=28)
        assert rec.response_due_on == expected
    assert [rec.position for rec in recs] == [1, 2, 3]


def test_making_recommendations_again_changes_nothing(recs: list[Recommendation]) -> None:
    record = DecisionRecord.objects.get()
    again = services.recommendations_from_decision(record=record)
    assert {rec.pk for rec in again} == {rec.pk for rec in recs}
    assert Recommendation.objects.count() == 3
    assert AuditEvent.objects.filter(action="delivery.recommendations_created").count() == 1
    assert services.recommendations_sweep() == 0


def test_the_decision_recorded_signal_makes_them_on_commit(
    project: Project, facilitator: User, members: list[User], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        helpers.closed_vote(project, facilitator, members)
    assert Recommendation.objects.filter(project=project).count() == 3


def test_a_vote_nobody_voted_in_recommends_nothing(
    project: Project, facilitator: User, members: list[User]
) -> None:
    record = helpers.closed_vote(project, facilitator, [], author=members[0])
    assert services.recommendations_from_decision(record=record) == []
    assert not Recommendation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_making_recommendations_at_once_make_one_set(
    project: Project, facilitator: User, members: list[User]
) -> None:
    record = helpers.closed_vote(project, facilitator, members)
    Recommendation.objects.all().delete()  # the signal ran on commit: start again
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def make() -> None:
        try:
            barrier.wait()
            services.recommendations_from_decision(record=DecisionRecord.objects.get(pk=record.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Recommendation.objects.filter(record=record).count() == 3


# --- Responses --------------------------------------------------------------------


def test_a_sponsor_responds_and_the_group_is_told(
    recs: list[Recommendation], sponsor: User, members: list[User], facilitator: User
) -> None:
    response = helpers.respond(sponsor, recs[0], "accepted")
    assert response.version == 1
    told = set(
        Notification.objects.filter(kind="response_published").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {person.pk for person in [*members, facilitator]}
    event = AuditEvent.objects.filter(action="delivery.response_written").get()
    assert event.details["answer"] == "accepted"
    assert event.actor_id == sponsor.pk


@pytest.mark.parametrize("answer", ["declined", "not_now", "accepted_in_part"])
def test_reasons_are_needed_unless_accepted(
    recs: list[Recommendation], sponsor: User, answer: str
) -> None:
    message = _field_error(
        lambda: services.response_write(
            actor=sponsor,
            recommendation=helpers.fresh(recs[0]),
            answer=answer,
            reasons="  ",
            next_steps="Later",
        ),
        "reasons",
    )
    assert "reasons" in message.lower()
    assert not Response.objects.exists()


def test_a_revised_response_keeps_every_version(recs: list[Recommendation], sponsor: User) -> None:
    first = helpers.respond(sponsor, recs[0], "not_now")
    second = helpers.respond(sponsor, recs[0], "accepted")
    assert [r.version for r in Response.objects.filter(recommendation=recs[0])] == [2, 1]
    kept = Response.objects.get(pk=first.pk)
    assert (kept.answer, kept.reasons) == ("not_now", first.reasons)
    assert second.version == 2
    assert Notification.objects.filter(kind="response_published").count() == 2 * 4


def test_the_database_refuses_to_change_a_response(
    recs: list[Recommendation], sponsor: User
) -> None:
    response = helpers.respond(sponsor, recs[0], "declined")
    with pytest.raises(DatabaseError), transaction.atomic():
        Response.objects.filter(pk=response.pk).update(answer="accepted")
    with pytest.raises(DatabaseError), transaction.atomic():
        Response.objects.filter(pk=response.pk).delete()


@pytest.mark.parametrize(
    "who", ["lived_experience_member", "carer_member", "facilitator", "manager", "outsider"]
)
def test_only_sponsors_respond(
    request: pytest.FixtureRequest, recs: list[Recommendation], who: str
) -> None:
    with pytest.raises(RightsError):
        helpers.respond(request.getfixturevalue(who), recs[0], "accepted")


@pytest.mark.django_db(transaction=True)
def test_two_revisions_at_once_get_two_versions(
    project: Project, facilitator: User, members: list[User]
) -> None:
    sponsor = helpers.add_sponsor(project)
    rec = helpers.recommendations(project, facilitator, members)[0]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(answer: str) -> None:
        try:
            barrier.wait()
            helpers.respond(User.objects.get(pk=sponsor.pk), rec, answer)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(a,)) for a in ("accepted", "declined")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    versions = Response.objects.filter(recommendation=rec).values_list("version", flat=True)
    assert sorted(versions) == [1, 2]


def test_the_facilitator_sets_the_due_date_not_in_the_past(
    recs: list[Recommendation], facilitator: User, sponsor: User
) -> None:
    _field_error(
        lambda: services.response_due_set(
            actor=facilitator, recommendation=helpers.fresh(recs[0]), due_on=helpers.in_days(-1)
        ),
        "response_due_on",
    )
    before = recs[0].response_due_on
    services.response_due_set(
        actor=facilitator, recommendation=helpers.fresh(recs[0]), due_on=helpers.in_days(3)
    )
    event = AuditEvent.objects.get(action="delivery.response_due_set")
    assert event.details["due_on"] == [before.isoformat(), helpers.in_days(3).isoformat()]
    with pytest.raises(RightsError):
        services.response_due_set(
            actor=sponsor, recommendation=helpers.fresh(recs[0]), due_on=helpers.in_days(4)
        )


def test_members_comment_on_declined_or_partly_accepted_only(
    recs: list[Recommendation], sponsor: User, members: list[User]
) -> None:
    helpers.respond(sponsor, recs[0], "declined")
    helpers.respond(sponsor, recs[1], "accepted_in_part")
    helpers.respond(sponsor, recs[2], "accepted")
    for member in members:  # every constituency the same
        services.recommendation_comment_create(
            actor=member, recommendation=helpers.fresh(recs[0]), body="We disagree"
        )
        services.recommendation_comment_create(
            actor=member, recommendation=helpers.fresh(recs[1]), body="Which part?"
        )
        with pytest.raises(RightsError):
            services.recommendation_comment_create(
                actor=member, recommendation=helpers.fresh(recs[2]), body="Good"
            )
    with pytest.raises(RightsError):
        services.recommendation_comment_create(
            actor=sponsor, recommendation=helpers.fresh(recs[0]), body="Sorry"
        )


# --- Actions ----------------------------------------------------------------------


def test_a_member_proposes_and_the_sponsor_confirms(
    recs: list[Recommendation], sponsor: User, members: list[User], clinician_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    for member in members:
        proposed = services.action_propose(
            actor=member,
            recommendation=helpers.fresh(recs[0]),
            title="Write the plan",
            done_looks_like="A plan on paper",
            owner=clinician_member,
            due_on=helpers.in_days(10),
        )
        assert not proposed.confirmed
    assert not Notification.objects.filter(kind="action_assigned").exists()
    waiting = Notification.objects.filter(
        kind="action_proposed", key__startswith=f"action_proposed:{proposed.pk}"
    )
    assert set(waiting.values_list("recipient__email", flat=True)) == {
        "facilitator@example.org",
        "sponsor@example.org",
    }
    with pytest.raises(RightsError):
        services.action_confirm(actor=members[0], action=helpers.fresh_action(proposed))
    confirmed = services.action_confirm(actor=sponsor, action=helpers.fresh_action(proposed))
    assert confirmed.confirmed_by == sponsor
    assert Notification.objects.get(kind="action_assigned").recipient == clinician_member


def test_a_facilitators_action_counts_at_once(
    recs: list[Recommendation], sponsor: User, facilitator: User, lived_experience_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted_in_part")
    action = helpers.confirmed_action(facilitator, recs[0], lived_experience_member)
    assert action.confirmed
    event = AuditEvent.objects.get(action="delivery.action_proposed")
    assert event.details["confirmed"] is True


def test_actions_need_an_accepted_recommendation(
    recs: list[Recommendation], sponsor: User, carer_member: User
) -> None:
    with pytest.raises(RightsError):  # no response yet
        helpers.confirmed_action(carer_member, recs[0], carer_member)
    helpers.respond(sponsor, recs[0], "declined")
    with pytest.raises(RightsError):
        helpers.confirmed_action(carer_member, recs[0], carer_member)


def test_kind_refusals_of_an_action(
    recs: list[Recommendation], sponsor: User, carer_member: User, manager: User, outsider: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")

    def propose(**changes):  # type: ignore[no-untyped-def]
        values = {
            "title": "Plan",
            "done_looks_like": "Done",
            "owner": carer_member,
            "due_on": helpers.in_days(5),
        } | changes
        return lambda: services.action_propose(
            actor=carer_member, recommendation=helpers.fresh(recs[0]), **values
        )

    _field_error(propose(due_on=helpers.in_days(-1)), "due_on")
    _field_error(propose(owner=outsider), "owner")
    _field_error(propose(owner=manager), "owner")  # observers read only
    _field_error(propose(title=" "), "title")
    assert not Action.objects.exists()
    assert propose(owner=sponsor)().owner == sponsor  # sponsors can own delivery


def test_status_moves_one_step_at_a_time(
    recs: list[Recommendation], sponsor: User, carer_member: User, clinician_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member)
    message = _field_error(
        lambda: services.action_status_change(
            actor=carer_member, action=helpers.fresh_action(action), status="done"
        ),
        "status",
    )
    assert "one step at a time" in message
    with pytest.raises(RightsError):  # not theirs
        services.action_status_change(
            actor=clinician_member, action=helpers.fresh_action(action), status="in_progress"
        )
    services.action_status_change(
        actor=carer_member, action=helpers.fresh_action(action), status="in_progress"
    )
    services.action_status_change(actor=sponsor, action=helpers.fresh_action(action), status="done")
    changes = [
        event.details["status"]
        for event in AuditEvent.objects.filter(action="delivery.action_status_changed").order_by(
            "sequence"
        )
    ]
    assert changes == [["planned", "in_progress"], ["in_progress", "done"]]


def test_dropping_needs_a_reason(
    recs: list[Recommendation], sponsor: User, carer_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member)
    _field_error(
        lambda: services.action_status_change(
            actor=carer_member, action=helpers.fresh_action(action), status="dropped", reason=""
        ),
        "reason",
    )
    dropped = services.action_status_change(
        actor=carer_member,
        action=helpers.fresh_action(action),
        status="dropped",
        reason="The ward closed",
    )
    assert dropped.drop_reason == "The ward closed"


def test_a_proposed_action_cannot_move(
    recs: list[Recommendation], sponsor: User, carer_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = services.action_propose(
        actor=carer_member,
        recommendation=helpers.fresh(recs[0]),
        title="Plan",
        done_looks_like="Done",
        owner=carer_member,
        due_on=helpers.in_days(5),
    )
    with pytest.raises(RightsError):
        services.action_status_change(
            actor=carer_member, action=helpers.fresh_action(action), status="in_progress"
        )


def test_the_owner_posts_updates_with_web_links_only(
    recs: list[Recommendation], sponsor: User, carer_member: User, clinician_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.fresh_action(helpers.confirmed_action(sponsor, recs[0], carer_member))
    for bad in ("javascript:alert(1)", "ftp://example.org/x", "example.org"):
        _field_error(
            lambda bad=bad: services.action_update_post(
                actor=carer_member, action=action, text="Done", evidence_url=bad
            ),
            "evidence_url",
        )
    update = services.action_update_post(
        actor=carer_member, action=action, text="Rota agreed", evidence_url="https://nhs.uk/r"
    )
    assert update.evidence_url == "https://nhs.uk/r"
    with pytest.raises(RightsError):
        services.action_update_post(actor=clinician_member, action=action, text="Mine")
    with pytest.raises(RightsError):
        services.action_update_post(actor=sponsor, action=action, text="Mine")


def test_members_comment_on_actions(
    recs: list[Recommendation], sponsor: User, members: list[User], manager: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.fresh_action(helpers.confirmed_action(sponsor, recs[0], members[0]))
    for member in members:
        services.action_comment_create(actor=member, action=action, body="Thanks")
    assert action.comments.count() == 3
    with pytest.raises(RightsError):
        services.action_comment_create(actor=manager, action=action, body="Hm")


def test_nothing_changes_in_a_finished_project(
    project: Project, recs: list[Recommendation], sponsor: User
) -> None:
    Project.objects.filter(pk=project.pk).update(status="finished")
    with pytest.raises(RightsError):
        helpers.respond(sponsor, recs[0], "accepted")


# --- Another owner or date --------------------------------------------------------------


def test_a_facilitator_or_sponsor_gives_an_action_another_owner_and_date(
    recs: list[Recommendation],
    sponsor: User,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member, due_on=helpers.in_days(30))
    changed = services.action_change(
        actor=facilitator,
        action=helpers.fresh_action(action),
        owner=clinician_member,
        due_on=helpers.in_days(40),
    )
    assert (changed.owner, changed.due_on) == (clinician_member, helpers.in_days(40))
    stored = Action.objects.get(pk=action.pk)
    assert (stored.owner_id, stored.due_on) == (clinician_member.pk, helpers.in_days(40))
    event = AuditEvent.objects.get(action="delivery.action_changed")
    assert event.actor_id == facilitator.pk
    assert event.object_id == str(action.pk)
    assert event.details == {
        "due_on": [helpers.in_days(30).isoformat(), helpers.in_days(40).isoformat()],
        "owner": [carer_member.pk, clinician_member.pk],
    }
    context = DescribeContext()
    line = describe(event, context)
    assert line.text == (
        "Delivery action given to a new owner by Warm Lark, and its due date changed from "
        f"{helpers.in_days(30).isoformat()} to {helpers.in_days(40).isoformat()}"
    )
    assert line.changes == (
        ("Due by", helpers.in_days(30).isoformat(), helpers.in_days(40).isoformat()),
    )
    assert "Warm Lark" not in describe_for_members(event, context).text
    # The sponsor moves the date back; saving the same again writes nothing.
    services.action_change(
        actor=sponsor,
        action=helpers.fresh_action(action),
        owner=clinician_member,
        due_on=helpers.in_days(35),
    )
    services.action_change(
        actor=sponsor,
        action=helpers.fresh_action(action),
        owner=clinician_member,
        due_on=helpers.in_days(35),
    )
    dated = AuditEvent.objects.filter(action="delivery.action_changed").order_by("sequence")
    assert dated.count() == 2
    assert describe(dated.last(), context).text == (
        f"Date a delivery action is due changed by Bright Oak, from "
        f"{helpers.in_days(40).isoformat()} to {helpers.in_days(35).isoformat()}"
    )
    assert describe_for_members(dated.last(), context).text == (
        f"The date a delivery action is due changed, from {helpers.in_days(40).isoformat()} "
        f"to {helpers.in_days(35).isoformat()}"
    )


def test_only_those_who_confirm_actions_change_them_and_only_unfinished_ones(
    recs: list[Recommendation],
    sponsor: User,
    carer_member: User,
    clinician_member: User,
    manager: User,
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member)
    for person in (carer_member, clinician_member, manager):  # the owner too: not theirs
        with pytest.raises(RightsError):
            services.action_change(
                actor=person,
                action=helpers.fresh_action(action),
                owner=clinician_member,
                due_on=helpers.in_days(9),
            )
    Action.objects.filter(pk=action.pk).update(status="done")
    with pytest.raises(RightsError):
        services.action_change(
            actor=sponsor,
            action=helpers.fresh_action(action),
            owner=clinician_member,
            due_on=helpers.in_days(9),
        )
    assert Action.objects.get(pk=action.pk).owner_id == carer_member.pk
    assert not AuditEvent.objects.filter(action="delivery.action_changed").exists()


def test_kind_refusals_of_another_owner_or_date(
    recs: list[Recommendation], sponsor: User, carer_member: User, outsider: User, manager: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member, due_on=helpers.in_days(2))

    def change(**values):  # type: ignore[no-untyped-def]
        values = {"owner": carer_member, "due_on": helpers.in_days(2), **values}
        return lambda: services.action_change(
            actor=sponsor, action=helpers.fresh_action(action), **values
        )

    _field_error(change(owner=outsider), "owner")
    _field_error(change(owner=manager), "owner")  # observers read only
    _field_error(change(due_on=helpers.in_days(-1)), "due_on")
    assert not AuditEvent.objects.filter(action="delivery.action_changed").exists()
    # A date already passed may stay as it is while the owner changes.
    Action.objects.filter(pk=action.pk).update(due_on=helpers.in_days(-3))
    services.action_change(
        actor=sponsor,
        action=helpers.fresh_action(action),
        owner=sponsor,
        due_on=helpers.in_days(-3),
    )
    assert Action.objects.get(pk=action.pk).owner_id == sponsor.pk


# --- The trail --------------------------------------------------------------------


def test_the_trail_says_what_changed_in_plain_words(
    recs: list[Recommendation], sponsor: User, carer_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted_in_part", reasons="Only at weekends")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member)
    services.action_status_change(
        actor=carer_member, action=helpers.fresh_action(action), status="in_progress"
    )
    context = DescribeContext()
    moved = AuditEvent.objects.get(action="delivery.action_status_changed")
    line = describe(moved, context)
    assert line.text == "Delivery action moved from planned to in progress by Steady Rowan"
    assert line.changes == (("Status", "planned", "in progress"),)
    responded = AuditEvent.objects.get(action="delivery.response_written")
    assert describe(responded, context).text == (
        "Response to a recommendation written by Bright Oak: accepted in part"
    )
    assert describe_for_members(responded, context).text == (
        "The organisation responded to a recommendation: accepted in part"
    )
    made = AuditEvent.objects.get(action="delivery.recommendations_created")
    assert "3 recommendation(s) made from the decision for" in describe(made, context).text


def test_every_constituency_holds_the_same_delivery_rights(
    project: Project, recs: list[Recommendation], sponsor: User, members: list[User]
) -> None:
    from delivery import permissions
    from projects.models import ProjectRoleGroup
    from projects.permissions import project_rights

    accepted = helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], sponsor)

    def answers(person: User) -> tuple[bool, ...]:
        return (
            permissions.can_see_delivery(person, project),
            permissions.can_respond(person, project),
            permissions.can_set_response_due(person, project),
            permissions.can_comment_on_recommendation(person, project, accepted),
            permissions.can_propose_action(person, project, accepted),
            permissions.can_confirm_actions(person, project),
            permissions.can_change_action_status(person, project, action),
            permissions.can_post_update(person, project, action),
            permissions.can_comment_on_action(person, project),
        )

    people = [User.objects.get(pk=member.pk) for member in members]
    assert len({answers(person) for person in people}) == 1
    assert answers(people[0]) == (True, False, False, False, True, False, False, False, True)
    sponsor_group = ProjectRoleGroup.objects.get(project=project, role="sponsor").group
    assert sponsor.groups.filter(pk=sponsor_group.pk).exists()
    assert project_rights(User.objects.get(pk=sponsor.pk), project) == {
        "view_project",
        "read_audit_trail",
        "respond_in_project",
    }


def test_the_migration_gives_older_projects_a_sponsor_group(project: Project) -> None:
    import importlib

    from django.apps import apps

    from projects.models import ProjectGroupObjectPermission, ProjectRoleGroup

    migration = importlib.import_module(
        "projects.migrations.0010_sponsor_groups_for_existing_projects"
    )
    # A project made before sponsors existed had no sponsor group.
    ProjectRoleGroup.objects.get(project=project, role="sponsor").group.delete()
    migration.add_sponsor_groups(apps, None)
    migration.add_sponsor_groups(apps, None)  # again: nothing more
    group = ProjectRoleGroup.objects.get(project=project, role="sponsor").group
    rights = ProjectGroupObjectPermission.objects.filter(group=group, content_object=project)
    assert sorted(rights.values_list("permission__codename", flat=True)) == [
        "read_audit_trail",
        "respond_in_project",
        "view_project",
    ]


def test_the_trail_links_delivery_events_to_their_pages(
    recs: list[Recommendation], sponsor: User, carer_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member)
    services.action_comment_create(
        actor=carer_member, action=helpers.fresh_action(action), body="Good"
    )
    context = DescribeContext(project_id=str(recs[0].project_id))
    responded = describe(AuditEvent.objects.get(action="delivery.response_written"), context)
    assert responded.link.url == recs[0].get_absolute_url()
    commented = describe(AuditEvent.objects.get(action="delivery.comment_created"), context)
    assert commented.link.url == action.get_absolute_url()
