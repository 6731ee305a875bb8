"""Facilitators set when a stage moves and when members are reminded; the pages say what is next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.errors import RuleError
from participants.models import User
from projects import services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db


def _edit_url(stage: Stage) -> str:
    return reverse(
        "projects:stage_edit", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )


def _form_data(stage: Stage, **changes: str) -> dict[str, str]:
    data = {
        "title": stage.title,
        "kind": stage.kind,
        "description": stage.description,
        "reminder_hours": "48, 24",
    }
    return data | changes


def test_a_new_stage_reminds_48_and_24_hours_before_voting_closes(
    client, project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)
    assert stage.reminder_hours == [48, 24]
    client.force_login(facilitator)
    page = client.get(_edit_url(stage))
    assert 'name="reminder_hours" value="48, 24"' in page.text


def test_a_facilitator_sets_the_reminder_hours_of_a_stage(
    client, project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)
    client.force_login(facilitator)
    dates = {"voting_opens_at": "2027-03-01T10:00", "closes_at": "2027-03-15T10:00"}
    response = client.post(
        _edit_url(stage), _form_data(stage, reminder_hours="24, 72 and 6", **dates)
    )
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.reminder_hours == [72, 24, 6]
    page = client.get(stage.get_absolute_url())
    assert "get a reminder 72 and 24 and 6 hours before voting closes" in page.text

    client.post(_edit_url(stage), _form_data(stage, reminder_hours="", **dates))
    stage.refresh_from_db()
    assert stage.reminder_hours == []
    assert (
        "There are no reminders to vote in this stage." in client.get(stage.get_absolute_url()).text
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("two days", "Write whole numbers of hours separated by commas"),
        ("48, -1", "Write whole numbers of hours separated by commas"),
        ("2²", "Write whole numbers of hours separated by commas"),
        ("0", "Each reminder must be from 1 to 672 hours"),
        ("1000", "Each reminder must be from 1 to 672 hours"),
        ("1, 2, 3, 4, 5", "Choose at most 4 reminders."),
    ],
)
def test_reminder_hours_that_make_no_sense_get_a_kind_error_and_keep_what_was_typed(
    client, project: Project, facilitator: User, typed: str, message: str
) -> None:
    stage = project.stages.get(position=2)
    client.force_login(facilitator)
    response = client.post(_edit_url(stage), _form_data(stage, reminder_hours=typed))
    assert response.status_code == 200
    assert message in response.text
    assert f'value="{typed}"' in response.text
    assert 'href="#id_reminder_hours"' in response.text  # the error summary links to the box
    stage.refresh_from_db()
    assert stage.reminder_hours == [48, 24]


def test_the_service_refuses_reminder_hours_out_of_range(
    project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)
    with pytest.raises(RuleError):
        services.stage_update(actor=facilitator, stage=stage, reminder_hours=[0])
    with pytest.raises(RuleError):
        services.stage_update(actor=facilitator, stage=stage, reminder_hours=[1, 2, 3, 4, 5])
    stage = services.stage_update(actor=facilitator, stage=stage, reminder_hours=[24, 48, 24])
    assert stage.reminder_hours == [48, 24]


def test_reminder_hours_can_change_while_voting_is_open(
    project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)
    services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    stage = services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    stage = services.stage_update(actor=facilitator, stage=stage, reminder_hours=[12])
    assert stage.reminder_hours == [12]


def test_the_stage_and_project_pages_say_what_the_schedule_does_next(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    start = timezone.now() + timedelta(days=1)
    stage = project.stages.get(position=1)
    services.stage_update(
        actor=facilitator,
        stage=stage,
        opens_at=start.replace(hour=10, minute=30),
        closes_at=start.replace(hour=10, minute=30) + timedelta(days=7),
    )
    client.force_login(carer_member)
    when = timezone.localtime(start.replace(hour=10, minute=30))
    expected = f"Next: this stage opens by itself on {when:%-d %B %Y}, {when:%H:%M}."
    assert expected in client.get(stage.get_absolute_url()).text
    assert expected in client.get(project.get_absolute_url()).text

    stage = services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    closes = timezone.localtime(stage.closes_at)
    assert (
        f"Next: this stage closes by itself on {closes:%-d %B %Y}, {closes:%H:%M}."
        in client.get(stage.get_absolute_url()).text
    )

    services.project_update(actor=facilitator, project=project, status="finished")
    assert "Next:" not in client.get(stage.get_absolute_url()).text


def test_the_stage_page_promises_only_the_reminders_that_will_be_sent(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project.stages.get(position=2)
    client.force_login(carer_member)

    def says() -> str:
        return client.get(stage.get_absolute_url()).text

    assert "Reminders to vote are sent only when the stage has a closing time." in says()
    start = timezone.now() + timedelta(days=1)
    services.stage_update(
        actor=facilitator,
        stage=stage,
        voting_opens_at=start,
        closes_at=start + timedelta(hours=30),  # 48 hours before is before voting opens
    )
    assert "get a reminder 24 hours before voting closes." in says()
    services.stage_update(actor=facilitator, stage=stage, closes_at=start + timedelta(hours=3))
    assert "Voting is open for too short a time for the reminders that are set" in says()
