"""An NHS manager opens a project's audit trail, filters it, exports it and checks it;
a member reads what happened.

Phone-sized, in Debian's chromium; every page visited must pass axe-core.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from participants.models import User
from projects import services as project_services
from projects.models import Project
from tests.conftest import wait_for
from tests.e2e.conftest import assert_accessible
from tests.factories import current_totp_code
from tests.trail.conftest import trail_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _private_exports_folder(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path / "var"


def _sign_in(page: Page, base_url: str, email: str, password: str, *, code: bool) -> None:
    page.goto(base_url + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if code:
        page.get_by_label("Code").fill(current_totp_code(User.objects.get(email=email)))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your projects")


def test_an_observer_filters_exports_and_checks_the_trail(
    page: Page, live_server, project: Project, manager: User, facilitator: User, password: str
) -> None:
    stage = project.stages.get(position=1)
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")

    _sign_in(page, live_server.url, manager.email, password, code=True)
    page.goto(live_server.url + trail_url("trail", project))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.get_by_role("main")).to_contain_text("The record has not been checked yet.")
    expect(page.get_by_role("main")).to_contain_text(f"Stage '{stage.title}' opened by Warm Lark")
    assert_accessible(page)

    # Only what happened to stages.
    page.get_by_label("What happened").select_option(label="Stages and their dates")
    page.get_by_role("button", name="Show matching entries").click()
    entries = page.locator("dl[aria-labelledby=entries]")
    expect(entries).to_contain_text(f"Stage '{stage.title}' opened by Warm Lark")
    expect(entries).not_to_contain_text("joined as")
    expect(page.get_by_role("link", name="Clear the filters")).to_be_visible()
    assert_accessible(page)

    # Export what matches, as CSV.
    page.get_by_label("CSV (for spreadsheets)").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.startswith("record-better-crisis-care-at-night-")
    body = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    # The entries that match, then the record's newest entry (an anchor to keep).
    assert [row["action"] for row in rows] == ["stage.opened", "trail.head"]

    # Check that nothing has been changed.
    page.goto(live_server.url + trail_url("trail", project))
    page.get_by_role("button", name="Check the record now").click()
    expect(page.get_by_role("status")).to_contain_text("nothing in the record has been changed")
    expect(page.get_by_role("main")).to_contain_text("No changes found")
    expect(page.get_by_role("main")).to_contain_text("Checked by Silver Birch.")
    # The export is in the trail now, with the filter it used.
    expect(page.get_by_role("main")).to_contain_text(
        "Record exported as CSV, filtered, by Silver Birch"
    )
    assert_accessible(page)

    # Where the record stands: a page to print or keep, with the head the check saw.
    page.get_by_role("link", name="Where the record stands").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the record stands")
    from coproduce.audit.models import AuditVerification

    expect(page.get_by_role("main")).to_contain_text(AuditVerification.objects.get().head_hash)
    assert_accessible(page)


def test_a_large_export_waits_then_offers_its_download_without_javascript(
    page_without_javascript: Page,
    live_server,
    project: Project,
    manager: User,
    password: str,
    settings,
    celery_worker,
) -> None:  # type: ignore[no-untyped-def]
    from trail.models import AuditExport

    settings.AUDIT_EXPORT_STREAM_LIMIT = 3
    page = page_without_javascript
    _sign_in(page, live_server.url, manager.email, password, code=True)
    page.goto(live_server.url + trail_url("trail", project))
    page.get_by_label("JSON Lines (for other software)").check()
    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your export")
    assert_accessible(page)

    # The test's own Celery worker writes the file; the test never does the worker's part.
    job = AuditExport.objects.get()
    wait_for(lambda: AuditExport.objects.filter(pk=job.pk, status="ready").exists())
    page.get_by_role("link", name="Check again").click()
    expect(page.get_by_role("main")).to_contain_text(
        "Your export is ready. Only you can download it"
    )
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the file").click()
    assert download_info.value.suggested_filename.endswith(".jsonl")
    page.get_by_role("link", name="Back to the audit trail").click()
    expect(page.get_by_role("main")).to_contain_text("Your recent exports")
    assert_accessible(page)


def test_a_member_reads_what_happened(
    page: Page, live_server, project: Project, carer_member: User, password: str
) -> None:
    _sign_in(page, live_server.url, carer_member.email, password, code=False)
    page.goto(live_server.url + trail_url("history", project))
    expect(page.get_by_role("heading", level=1)).to_have_text("What happened")
    expect(page.get_by_role("main")).to_contain_text("A member joined the project")
    expect(page.get_by_role("main")).not_to_contain_text("Quiet Heron")
    assert_accessible(page)
