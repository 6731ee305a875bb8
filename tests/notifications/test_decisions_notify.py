"""What decisions tells people: reminders only to those who have not voted, and the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from decisions import notify as decisions_notify
from decisions import services
from participants.models import User
from participants.notifications.models import Kind, Notification
from participants.notifications.services import notifications_email
from projects import services as project_services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db


def _voting_stage(project: Project, facilitator: User, author: User) -> Stage:
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    services.proposal_create(actor=author, stage=stage, title="Idea", body="b")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    opened = timezone.now() - timedelta(days=5)
    Stage.objects.filter(pk=stage.pk).update(
        voting_opened_at=opened, closes_at=timezone.now() + timedelta(hours=47)
    )
    return Stage.objects.get(pk=stage.pk)


def _vote(stage: Stage, member: User) -> None:
    """Cast, and run what waits for the commit (the reminders are taken back then)."""
    from django.test import TestCase

    option = services.stage_options(stage)[0]
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.ballot_cast(actor=member, stage=stage, raw={str(option.pk): 1})


def _reminded(stage: Stage) -> set[str]:
    return set(
        Notification.objects.filter(kind=Kind.VOTING_REMINDER).values_list(
            "recipient__email", flat=True
        )
    )


def test_reminders_go_only_to_members_who_have_not_voted(
    project, facilitator, carer_member, clinician_member, lived_experience_member
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    _vote(stage, carer_member)
    assert decisions_notify.voting_reminders_send() == 2
    assert decisions_notify.voting_reminders_send() == 2  # the same keys: nothing new
    assert _reminded(stage) == {"clinician@example.org", "lived@example.org"}
    keys = list(Notification.objects.values_list("key", flat=True))
    assert f"reminder48:{stage.pk}:{clinician_member.pk}" in keys
    assert Notification.objects.filter(kind=Kind.VOTING_REMINDER).count() == 2

    # 24 hours before: the 24-hour reminder, to those still not voting.
    _vote(stage, clinician_member)
    decisions_notify.voting_reminders_withdraw(user=clinician_member, stage=stage)
    later = timezone.now() + timedelta(hours=24)
    assert decisions_notify.voting_reminders_send(now=later) == 1
    assert set(
        Notification.objects.filter(key__startswith="reminder24").values_list(
            "recipient__email", flat=True
        )
    ) == {"lived@example.org"}

    reminders = Notification.objects.filter(kind=Kind.VOTING_REMINDER)
    notifications_email(keys=list(reminders.values_list("key", flat=True)))
    assert {message.to[0] for message in mail.outbox} == {"lived@example.org"}
    reminder = mail.outbox[0]
    assert "You have not voted yet" in reminder.body
    assert "Voting closes:" in reminder.body


def test_a_reminder_not_yet_emailed_is_taken_back_when_the_person_votes(
    project, facilitator, carer_member
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    decisions_notify.voting_reminders_send()
    _vote(stage, carer_member)
    decisions_notify.voting_reminders_withdraw(user=carer_member, stage=stage)
    assert "carer@example.org" not in _reminded(stage)


def test_no_reminder_before_its_time_or_for_a_vote_that_opened_late(
    project, facilitator, carer_member
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    assert decisions_notify.voting_reminders_send(now=timezone.now() - timedelta(hours=2)) == 0
    Stage.objects.filter(pk=stage.pk).update(voting_opened_at=timezone.now() - timedelta(hours=1))
    assert decisions_notify.voting_reminders_send() == 0


def test_reminders_follow_the_hours_the_stage_sets(
    project, facilitator, carer_member, clinician_member, lived_experience_member
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)  # closes in 47 hours
    project_services.stage_update(actor=facilitator, stage=stage, reminder_hours=[6])
    assert decisions_notify.voting_reminders_send() == 0  # not 48 hours any more
    six_before = stage.closes_at - timedelta(hours=6)
    assert decisions_notify.voting_reminders_send(now=six_before - timedelta(minutes=1)) == 0
    assert decisions_notify.voting_reminders_send(now=six_before) == 3
    assert set(
        Notification.objects.filter(kind=Kind.VOTING_REMINDER).values_list("key", flat=True)
    ) == {
        f"reminder6:{stage.pk}:{person.pk}"
        for person in (carer_member, clinician_member, lived_experience_member)
    }

    # Someone who votes after a reminder was written is not emailed it.
    _vote(stage, carer_member)
    assert "carer@example.org" not in _reminded(stage)


def test_a_stage_with_no_reminder_hours_sends_no_reminders(
    project, facilitator, carer_member
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    project_services.stage_update(actor=facilitator, stage=stage, reminder_hours=[])
    for hours_left in (47, 24, 1):
        moment = stage.closes_at - timedelta(hours=hours_left)
        assert decisions_notify.voting_reminders_send(now=moment) == 0
    assert not Notification.objects.filter(kind=Kind.VOTING_REMINDER).exists()


def test_results_go_to_everyone_in_the_project_and_reveal_no_vote(
    project, facilitator, carer_member, outsider
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    _vote(stage, carer_member)
    decision = services.voting_close(actor=facilitator, stage=stage)
    decisions_notify.results_published_notify(decision=decision)
    decisions_notify.results_published_notify(decision=decision)
    results = Notification.objects.filter(kind=Kind.RESULTS_PUBLISHED)
    told = set(results.values_list("recipient__email", flat=True))
    assert told == {
        "facilitator@example.org",
        "manager@example.org",
        "carer@example.org",
        "clinician@example.org",
        "lived@example.org",
    }
    notifications_email(keys=list(results.values_list("key", flat=True)))
    assert len(mail.outbox) == 5
    for message in mail.outbox:
        text = message.body + message.alternatives[0][0]
        for secret in ("Steady Rowan", "Quiet Heron", "Clear Brook", "Warm Lark", "voted for"):
            assert secret not in text


def test_a_reply_tells_the_authors_without_naming_who_wrote_it(
    project, facilitator, carer_member, clinician_member, lived_experience_member
) -> None:
    stage = project.stages.get(position=2)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    proposal = services.proposal_create(actor=carer_member, stage=stage, title="Idea", body="b")
    comment = services.comment_create(actor=clinician_member, proposal=proposal, body="Good")
    decisions_notify.reply_notify(comment=comment, replied_to=None)
    reply = services.comment_create(
        actor=lived_experience_member, proposal=proposal, body="Yes", parent=comment
    )
    decisions_notify.reply_notify(comment=reply, replied_to=comment)
    own = services.comment_create(actor=carer_member, proposal=proposal, body="Thanks")
    decisions_notify.reply_notify(comment=own, replied_to=None)
    told = sorted(
        Notification.objects.filter(kind=Kind.REPLY).values_list("recipient__email", "subject")
    )
    assert told == [
        ("carer@example.org", "Someone commented on your proposal"),
        ("carer@example.org", "Someone commented on your proposal"),
        ("clinician@example.org", "Someone replied to your comment"),
    ]
    assert not Notification.objects.filter(body__contains="Quiet Heron").exists()


def test_hidden_and_combined_proposals_tell_their_authors_why(
    project, facilitator, carer_member, clinician_member
) -> None:
    stage = project.stages.get(position=2)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    hidden = services.proposal_create(actor=carer_member, stage=stage, title="Off topic", body="b")
    hidden = services.proposal_hide(actor=facilitator, proposal=hidden, reason="Not about care")
    decisions_notify.proposal_hidden_notify(proposal=hidden)
    first = services.proposal_create(actor=carer_member, stage=stage, title="A", body="b")
    second = services.proposal_create(actor=clinician_member, stage=stage, title="A too", body="b")
    merged = services.proposal_merge(
        actor=facilitator,
        stage=stage,
        proposals=[first, second],
        title="A together",
        body="b",
        note="They say the same thing",
    )
    decisions_notify.proposals_merged_notify(
        originals=[first, second], merged=merged, note="They say the same thing"
    )
    rows = Notification.objects.filter(kind=Kind.PROPOSAL_MODERATED)
    assert rows.count() == 3
    assert "Not about care" in rows.get(key__startswith="proposal_hidden").body
    combined = rows.filter(key__startswith="proposal_merged")
    assert {row.recipient.email for row in combined} == {
        "carer@example.org",
        "clinician@example.org",
    }
    assert all("They say the same thing" in row.body for row in combined)
