"""Exports: streamed CSV and JSON Lines that parse back and can be re-hashed, the export
as an audit event, large exports in the background, downloads for the asker only, and
expiry."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import event_hash, record
from participants.models import User
from projects.models import Project
from tests.trail.conftest import add_events, trail_url
from trail import exports, selectors, services
from trail.models import AuditExport

pytestmark = pytest.mark.django_db


def _export(client, project: Project, export_format: str = "csv", query: str = ""):  # type: ignore[no-untyped-def]
    return client.post(trail_url("export", project), {"format": export_format, "query": query})


def _csv_rows(response, *, with_head: bool = False) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The export's rows; the last one, the chain's head, only if asked for."""
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert rows[-1]["action"] == "trail.head"
    return rows if with_head else rows[:-1]


def _jsonl_rows(response, *, with_head: bool = False) -> list[dict]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content).decode()
    rows = [json.loads(line) for line in body.splitlines()]
    assert rows[-1]["action"] == "trail.head"
    return rows if with_head else rows[:-1]


@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
def test_every_export_ends_with_the_head_of_the_trail_it_covers(
    client, project: Project, manager: User, export_format: str
) -> None:
    """Kept outside the portal, that last row contradicts a trail later shortened."""
    newest = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    client.force_login(manager)
    response = _export(client, project, export_format, query="what=group:people")
    rows = (_csv_rows if export_format == "csv" else _jsonl_rows)(response, with_head=True)
    head = rows[-1]
    # Filtered or not, the head is the whole chain's newest entry before the export.
    assert int(head["sequence"]) == newest.sequence
    assert head["hash"] == newest.hash
    expected = f"newest entry when this export was made: entry {newest.sequence}"
    assert expected in head["description"]
    assert AuditEvent.objects.filter(project_id=project.pk).latest("sequence").action == (
        "trail.exported"
    )


def test_a_csv_export_streams_every_event_oldest_first(
    client, project: Project, manager: User
) -> None:
    client.force_login(manager)
    stored = list(AuditEvent.objects.filter(project_id=project.pk).order_by("sequence"))
    response = _export(client, project)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="record-better-crisis-care-at-night-'
    )
    rows = _csv_rows(response)
    assert [int(row["sequence"]) for row in rows] == [event.sequence for event in stored]
    first = rows[0]
    assert first["description"] == "Project started by Warm Lark"
    assert first["actor"] == "Warm Lark"
    assert first["time_utc"] == stored[0].created_at.isoformat()
    assert json.loads(first["details"]) == stored[0].details
    assert first["hash"] == stored[0].hash
    assert first["previous_hash"] == "0" * 64


def test_the_export_is_itself_an_audit_event_and_is_not_in_its_own_file(
    client, project: Project, manager: User
) -> None:
    client.force_login(manager)
    before = AuditEvent.objects.filter(project_id=project.pk).count()
    rows = _csv_rows(_export(client, project, query="what=group%3Apeople"))
    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert event.action == "trail.exported"
    assert event.actor_id == manager.pk
    assert event.details == {
        "format": "csv",
        "filters": {"action": "group:people", "time_zone": "Europe/London"},
        "up_to": before,
        "background": False,
    }
    assert event.request_id
    assert all(row["action"] != "trail.exported" for row in rows)
    assert {row["action"].split(".")[0] for row in rows} == {"membership", "invitation"}


def test_a_json_lines_export_keeps_values_exactly_so_anyone_can_recheck_the_hashes(
    client, project: Project, manager: User
) -> None:
    client.force_login(manager)
    response = _export(client, project, "jsonl")
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    rows = _jsonl_rows(response)
    assert len(rows) == AuditEvent.objects.filter(project_id=project.pk).count() - 1
    for row in rows:
        content = type(
            "Event", (), {**row, "created_at": dt.datetime.fromisoformat(row["created_at"])}
        )
        assert event_hash(content) == row["hash"]  # type: ignore[arg-type]
    assert rows[1]["previous_hash"] == rows[0]["hash"]


def test_times_keep_the_exact_form_the_hash_covers(project: Project, manager: User) -> None:
    """Python leaves microseconds out of isoformat() when they are zero: so does the export."""
    last = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    for moment in (
        dt.datetime(2026, 3, 3, 14, 2, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 3, 14, 2, 0, 120, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    ):
        event = AuditEvent(
            project_id=project.pk,
            sequence=last.sequence + 1,
            action="clock.tested",
            actor_label="Clock",
            created_at=moment,
            previous_hash=last.hash,
        )
        event.hash = event_hash(event)
        with transaction.atomic():
            event.save(force_insert=True)
        last = event
        text = (
            AuditEvent.objects.filter(pk=event.pk)
            .annotate(text=exports.UtcTimeText("created_at"))
            .values_list("text", flat=True)
            .get()
        )
        assert exports.iso_time(text) == moment.isoformat()


@pytest.mark.parametrize(
    "name",
    [
        "Comma, Person",
        'Quote "Q" Person',
        "Line\nBreak",
        '=HYPERLINK("http://example.org","click")',
        "+44 7700 900000",
        "-minus",
        "@at",
        "Ünïcødé 'curly'",
    ],
)
def test_csv_cells_round_trip_and_never_run_as_formulas(
    client, project: Project, manager: User, name: str
) -> None:
    manager.display_name = name
    manager.save(update_fields=["display_name"])
    with transaction.atomic():
        record(action="project.created", actor=manager, project_id=project.pk, target=project)
    client.force_login(manager)
    rows = _csv_rows(_export(client, project))
    row = next(
        row
        for row in rows
        if row["actor_id"] == str(manager.pk) and row["action"] == "project.created"
    )
    dangerous = name[0] in "=+-@"
    assert row["actor"] == ("'" + name if dangerous else name)
    assert row["description"] == f"Project started by {name}"
    json_rows = _jsonl_rows(_export(client, project, "jsonl"))
    assert any(row["actor_label"] == name for row in json_rows)


def test_odd_identifiers_are_quoted_properly(client, project: Project, manager: User) -> None:
    class Odd:
        pk = 'a,b"c\nd'

    with transaction.atomic():
        record(action="comment.hidden", actor=manager, project_id=project.pk, target=Odd())
    client.force_login(manager)
    rows = _csv_rows(_export(client, project))
    assert rows[-1]["object_id"] == 'a,b"c\nd'
    assert rows[-1]["action"] == "comment.hidden"
    assert rows[-1]["object_type"] == "odd"


def test_votes_are_exported_as_daily_counts(
    client, project: Project, manager: User, carer_member: User, record_at
) -> None:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    record_at(
        dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC),
        action="ballot.cast",
        actor=carer_member,
        project_id=project.pk,
        target=stage,
    )
    client.force_login(manager)
    rows = _csv_rows(_export(client, project))
    votes = [row for row in rows if row["action"].startswith("ballot.")]
    assert votes == [
        {
            **{key: "" for key in exports.CSV_HEADER},
            "project_id": str(project.pk),
            "time_utc": "2026-03-03",
            "description": f"1 member voted in '{stage.title}'",
            "action": "ballot.cast",
            "object_type": "stage",
            "object_id": str(stage.pk),
            "details": '{"members": 1}',
        }
    ]
    json_votes = [
        row
        for row in _jsonl_rows(_export(client, project, "jsonl"))
        if row["action"] == "ballot.cast"
    ]
    assert json_votes[0]["members"] == 1
    assert json_votes[0]["sequence"] is None
    assert "actor_id" not in json_votes[0]
    assert "created_at" not in json_votes[0]


def test_streaming_uses_a_constant_number_of_queries(
    client, project: Project, manager: User
) -> None:
    client.force_login(manager)
    add_events(project, manager, 20)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(_export(client, project).streaming_content)
        return len(captured)

    few = count()
    add_events(project, manager, 1500)
    assert count() == few


def test_a_large_export_is_prepared_in_the_background(
    client, project: Project, manager: User, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_EXPORT_STREAM_LIMIT = 5
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = _export(client, project, "jsonl")
    job = AuditExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == trail_url("export_status", project, export_id=job.pk)
    assert job.status == "queued"
    assert job.requested_by == manager
    assert len(callbacks) == 1  # the task, queued once the request's transaction commits
    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert event.action == "trail.exported"
    assert event.details["background"] is True

    waiting = client.get(response["Location"])
    assert "Your export is waiting to start." in waiting.text
    assert "Check again" in waiting.text

    services.export_run(export_id=job.pk)  # what the task does
    job.refresh_from_db()
    assert job.status == "ready"
    assert job.rows_done == job.rows_total == event.details["up_to"]
    ready = client.get(response["Location"])
    assert "Your export is ready." in ready.text
    download = client.get(trail_url("export_download", project, export_id=job.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="record-')
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert len(lines) == job.rows_total + 1  # and the head of the trail, last
    assert json.loads(lines[-1])["sequence"] == event.details["up_to"]
    assert services.export_run(export_id=job.pk).status == "ready"  # a second run does nothing


def test_only_the_person_who_asked_can_download(
    client, project: Project, manager: User, facilitator: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_EXPORT_STREAM_LIMIT = 5
    client.force_login(manager)
    _export(client, project)
    job = AuditExport.objects.get()
    services.export_run(export_id=job.pk)
    client.force_login(facilitator)
    assert client.get(trail_url("export_status", project, export_id=job.pk)).status_code == 404
    assert client.get(trail_url("export_download", project, export_id=job.pk)).status_code == 404
    assert client.get(trail_url("export_status", project, export_id="not-an-id")).status_code == 404


def test_expired_exports_cannot_be_downloaded_and_their_files_are_deleted(
    client, project: Project, manager: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_EXPORT_STREAM_LIMIT = 5
    client.force_login(manager)
    _export(client, project)
    job = services.export_run(export_id=AuditExport.objects.get().pk)
    path = services.exports_folder() / job.file_name
    assert path.is_file()
    assert path.stat().st_mode & 0o777 == 0o600
    AuditExport.objects.filter(pk=job.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    download = client.get(trail_url("export_download", project, export_id=job.pk))
    assert download.status_code == 302  # to the page that explains
    status = client.get(download["Location"])
    assert "no longer available" in status.text

    stray = services.exports_folder() / "left-behind.csv.partial"
    stray.write_text("x")
    old = (timezone.now() - dt.timedelta(days=2)).timestamp()
    import os

    os.utime(stray, (old, old))
    assert services.exports_delete_expired() == 1
    assert not path.exists()
    assert not stray.exists()
    job.refresh_from_db()
    assert job.status == "expired"
    assert job.file_name == ""
    assert services.exports_delete_expired() == 0  # twice does no harm
    assert job not in selectors.exports_for(manager, project.pk)


def test_an_export_that_expired_before_it_ran_is_not_written(
    project: Project, manager: User
) -> None:
    job = AuditExport.objects.create(
        project_id=project.pk, requested_by=manager, format="csv", expires_at=timezone.now()
    )
    assert services.export_run(export_id=job.pk).status == "expired"
    assert not services.exports_folder().exists() or not any(services.exports_folder().iterdir())


def test_members_cannot_export_even_through_the_service(
    project: Project, carer_member: User
) -> None:
    with pytest.raises(PermissionError):
        services.trail_export(
            actor=carer_member,
            project=project,
            filters=selectors.TrailFilters(),
            export_format="csv",
        )
    assert not AuditEvent.objects.filter(action="trail.exported").exists()


def test_a_bad_format_is_refused_kindly(client, project: Project, manager: User) -> None:
    client.force_login(manager)
    response = _export(client, project, "xlsx")
    assert response.status_code == 302
    assert "Choose a file type" in client.get(response["Location"]).text
    assert not AuditEvent.objects.filter(action="trail.exported").exists()
