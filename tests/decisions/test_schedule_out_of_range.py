"""Issue 11, item 1: a date out of range never takes the scheduler (or any page) down.

The forms take the years 2000 to 2100 and keep what was typed; the database refuses a
stored moment Python could not read back; and the schedule handles each stage on its
own, so one stage that cannot move never stops the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from decisions import services
from decisions.tasks import stages_advance_due
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db


def _edit_url(stage: Stage) -> str:
    return reverse(
        "projects:stage_edit", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )


@pytest.mark.parametrize(
    ("zone", "typed"),
    [
        ("Etc/GMT-14", "0001-01-01T00:00"),
        ("Etc/GMT+12", "9999-12-31T23:59"),
        ("Europe/London", "1999-12-31T23:59"),
        ("Europe/London", "2101-01-01T00:00"),
    ],
)
def test_a_stage_date_outside_2000_to_2100_gets_a_kind_error_and_keeps_what_was_typed(
    client, project: Project, facilitator: User, zone: str, typed: str
) -> None:
    facilitator.time_zone = zone
    facilitator.save(update_fields=["time_zone"])
    stage = project.stages.get(position=2)
    client.force_login(facilitator)
    data = {
        "title": stage.title,
        "kind": stage.kind,
        "description": stage.description,
        "reminder_hours": "48, 24",
        "opens_at": typed,
    }
    response = client.post(_edit_url(stage), data)
    assert response.status_code == 200
    assert "Enter a date between the years 2000 and 2100" in response.text
    assert f'value="{typed}"' in response.text
    assert Stage.objects.get(pk=stage.pk).opens_at is None
    # Every page that shows the stage still works for everyone.
    assert client.get("/").status_code == 200
    assert client.get(project.get_absolute_url()).status_code == 200
    assert client.get(stage.get_absolute_url()).status_code == 200


def test_a_date_in_range_in_a_far_time_zone_is_kept(
    client, project: Project, facilitator: User
) -> None:
    facilitator.time_zone = "Etc/GMT-14"
    facilitator.save(update_fields=["time_zone"])
    stage = project.stages.get(position=2)
    client.force_login(facilitator)
    data = {
        "title": stage.title,
        "kind": stage.kind,
        "description": stage.description,
        "reminder_hours": "48, 24",
        "opens_at": "2000-01-01T00:00",
    }
    assert client.post(_edit_url(stage), data).status_code == 302
    assert Stage.objects.get(pk=stage.pk).opens_at.year == 1999  # stored in UTC


@pytest.mark.parametrize("column", ["opens_at", "voting_opens_at", "closes_at"])
@pytest.mark.parametrize("moment", ["0001-01-01 00:00+14", "9999-12-31 23:59-12"])
def test_the_database_refuses_a_stage_moment_python_could_not_read(
    project: Project, column: str, moment: str
) -> None:
    stage = project.stages.get(position=2)
    with (
        pytest.raises(IntegrityError, match=f"stage_{column}_in_range"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE projects_stage SET {column} = %s WHERE id = %s",  # noqa: S608
            [moment, stage.pk],
        )


def test_the_trail_filter_refuses_years_out_of_range_kindly(
    client, project: Project, facilitator: User
) -> None:
    client.force_login(facilitator)
    url = reverse("trail:trail", kwargs={"project_id": project.pk})
    for dates in ({"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}):
        response = client.get(url, dates)
        assert response.status_code == 200
        assert "Enter a date between the years 2000 and 2100" in response.text


def _due_stage(project: Project, facilitator: User, start) -> Stage:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    project_services.stage_update(actor=facilitator, stage=stage, opens_at=start)
    return stage


def test_one_stage_that_cannot_move_never_stops_the_others(
    project: Project, facilitator: User, caplog: pytest.LogCaptureFixture
) -> None:
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    second = project_services.project_create(
        actor=facilitator, title="Where we meet", purpose="Choose a place.", ground_rules="Kind."
    )
    third = project_services.project_create(
        actor=facilitator, title="What we read", purpose="Choose a leaflet.", ground_rules="Kind."
    )
    stages = [_due_stage(each, facilitator, start) for each in (project, second, third)]
    # The schedule goes through the stages by project; break the first one it meets.
    stages.sort(key=lambda stage: str(stage.project_id))
    broken, others = stages[0], stages[1:]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse_stage() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'this stage cannot be written'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_one_stage BEFORE UPDATE ON projects_stage FOR EACH ROW "
            f"WHEN (OLD.id = '{broken.pk}') EXECUTE FUNCTION pg_temp.refuse_stage()"
        )
    with caplog.at_level(logging.ERROR, logger="decisions.services.schedule"):
        assert stages_advance_due() == 2

    assert Stage.objects.get(pk=broken.pk).state == "draft"
    assert [Stage.objects.get(pk=stage.pk).state for stage in others] == ["open", "open"]
    assert f"could not move stage {broken.pk}" in caplog.text
    failure = AuditEvent.objects.get(project_id=broken.project_id, action="stage.schedule_failed")
    assert failure.details["stage_id"] == str(broken.pk)
    assert failure.details["to_state"] == "open"
    # The facilitators see it in the project's trail.
    assert AuditEvent.objects.filter(action="stage.schedule_failed").count() == 1
    # Nothing of the failed move was kept; the next run tries again.
    assert not AuditEvent.objects.filter(
        project_id=broken.project_id, action="stage.opened"
    ).exists()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_one_stage ON projects_stage")
    assert services.stages_advance() == [(str(broken.pk), "open")]
