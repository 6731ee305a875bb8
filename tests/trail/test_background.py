"""Large exports and long chain checks run on a real Celery worker."""

from __future__ import annotations

import pytest

from coproduce.audit.models import AuditEvent, AuditVerification
from participants.models import User
from projects.models import Project
from tests.conftest import wait_for
from tests.trail.conftest import add_events, trail_url
from trail import tasks
from trail.models import AuditExport

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_export_is_written_by_the_worker_and_downloaded_by_its_asker(
    client, project: Project, manager: User, settings, celery_worker
) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_EXPORT_STREAM_LIMIT = 50
    add_events(project, manager, 120)
    client.force_login(manager)
    response = client.post(
        trail_url("export", project), {"format": "csv", "query": "what=group%3Astages"}
    )
    assert response.status_code == 302
    job = AuditExport.objects.get()
    ready = wait_for(lambda: AuditExport.objects.filter(pk=job.pk, status="ready").first())
    assert ready.rows_done == ready.rows_total == 120
    page = client.get(response["Location"])
    assert "Download the file" in page.text
    download = client.get(trail_url("export_download", project, export_id=job.pk))
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert body.count("\r\n") == 122  # the header, the 120 stage events, the trail's head
    assert "joined as" not in body  # the filter held


def test_a_long_chain_is_checked_by_the_worker(
    client, project: Project, facilitator: User, settings, celery_worker
) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_VERIFY_IN_REQUEST_LIMIT = 5
    client.force_login(facilitator)
    client.post(trail_url("verify", project))
    check = wait_for(lambda: AuditVerification.objects.filter(finished_at__isnull=False).first())
    assert check.intact
    assert check.requested_by == facilitator


def test_the_scheduled_tasks_run_twice_without_harm(project: Project) -> None:
    assert tasks.audit_exports_delete_expired() == 0
    assert tasks.audit_exports_delete_expired() == 0
    assert tasks.audit_chains_verify() == 0  # chains found broken
    assert AuditVerification.objects.filter(intact=True).count() == 1


def test_a_long_export_reads_ahead_in_a_helper_thread_with_the_same_result(
    project: Project, manager: User, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    from django.db import transaction

    from trail import exports, selectors

    monkeypatch.setattr(exports, "CHUNK_ROWS", 40)
    add_events(project, manager, 150)
    filters = selectors.TrailFilters()
    with transaction.atomic():  # inside a transaction: one chunk after the other, here
        in_turn = b"".join(exports.csv_chunks(project, filters, up_to=None))
    read_ahead = b"".join(exports.csv_chunks(project, filters, up_to=None))
    assert read_ahead == in_turn
    events = AuditEvent.objects.filter(project_id=project.pk).count()
    assert read_ahead.count(b"\r\n") == 1 + events  # the header, then every event once

    # A browser that goes away mid-download: the helper stops and lets go of its connection.
    monkeypatch.setattr(exports, "FLUSH_BYTES", 100)
    chunks = exports.jsonl_chunks(project, filters, up_to=None)
    next(chunks)
    assert any(thread.name == "export-read-ahead" for thread in threading.enumerate())
    chunks.close()
    assert not any(thread.name == "export-read-ahead" for thread in threading.enumerate())
