"""The audit trail as observers and sponsors read it says nothing of anyone's payments.

An attacker with a sponsor's (or an observer's) login sees who came to each meeting. If
the trail showed each claim, an attendance followed by no claim would tell them that
this member chose no payment, which payments promises nobody else sees. So the entries
about a member's choice, claims, amounts and reviews are for facilitators only, on the
trail's page and in its exports, and attendance makes its claims in one entry whatever
their number: even where the hidden entries sit says nothing about who claimed.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services as meeting_services
from participants.models import User
from payments import services
from projects.models import Project
from tests.delivery.helpers import add_sponsor
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.django_db

# What no observer or sponsor may read anywhere in the trail.
PRIVATE_WORDS = (
    "Claim made",
    "Claims for a meeting",
    "Claim approved",
    "Claim queried",
    "chose how they are paid",
    "Approved claims exported",
    "68.75",  # the lived-experience member's pay for the workshop (2.5 hours at £27.50)
    "12.40",  # the carer's bus fare
)


@pytest.fixture
def payments_happened(  # type: ignore[no-untyped-def]
    project, policy, facilitator, carer_member, lived_experience_member
) -> None:
    """Two meetings, one member at each: the carer chose no payment, so their meeting
    makes no claim; the lived-experience member's makes one. Then the carer claims a bus
    fare, which is approved and exported for finance, and another one is queried."""
    services.payment_choice_set(actor=carer_member, project=project, choice="none")
    services.payment_choice_set(actor=lived_experience_member, project=project, choice="payment")
    for person, title in ((carer_member, "Carers' evening"), (lived_experience_member, "Day")):
        held = schedule(project, facilitator, days=-2, hours=2.5, title=title)
        services.attendance_record_with_claims(
            actor=facilitator, meeting=held, present={person.pk: "in_person"}
        )
        # Something everyone sees after it, so the export shows where the hidden entries sit.
        meeting_services.meeting_stages_link(actor=facilitator, meeting=held, stages=[])
    fares = [
        services.claim_make(
            actor=carer_member,
            project=project,
            kind="travel",
            amount=amount,
            on=timezone.localdate(),
            description="Bus",
        )
        for amount in ("12.40", "3.00")
    ]
    services.claim_approve(actor=facilitator, project=project, claim=fares[0])
    services.claim_query(actor=facilitator, project=project, claim=fares[1], reason="Which bus?")
    services.claims_export(actor=facilitator, project=project)


def _trail(client, project: Project) -> str:  # type: ignore[no-untyped-def]
    page = client.get(reverse("trail:trail", kwargs={"project_id": project.pk}))
    assert page.status_code == 200
    return page.text


def _export(client, project: Project, export_format: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("trail:export", kwargs={"project_id": project.pk}),
        {"format": export_format, "query": ""},
    )
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _actions_and_sequences(body: str, export_format: str) -> list[tuple[str, int]]:
    if export_format == "csv":
        rows = list(csv.DictReader(io.StringIO(body, newline="")))
    else:
        rows = [json.loads(line) for line in body.splitlines()]
    return [(row["action"], int(row["sequence"])) for row in rows if row["sequence"]]


def _readers(project: Project, manager: User) -> list[User]:
    return [add_sponsor(project), manager]


@pytest.mark.usefixtures("payments_happened")
def test_observers_and_sponsors_see_no_payment_entries_on_the_trail_page(
    client, project: Project, manager: User, facilitator: User
) -> None:
    client.force_login(facilitator)
    whole = _trail(client, project)
    for words in ("Claim approved", "chose how they are paid"):
        assert words in whole  # the facilitators' trail has them: the check below can fail
    for reader in _readers(project, manager):
        client.force_login(reader)
        page = _trail(client, project)
        assert "Attendance at a meeting recorded by Warm Lark" in page
        assert "Payment policy set by Warm Lark" in page
        for words in PRIVATE_WORDS:
            assert words not in page, (reader, words)
        assert "seen by the facilitators only" in page
        # Not offered as a filter, and asking for it anyway finds nothing.
        asked = client.get(
            reverse("trail:trail", kwargs={"project_id": project.pk}),
            {"what": "payments.claim_made"},
        )
        assert asked.status_code == 200
        assert 'value="payments.claim_made"' not in asked.text
        assert "Claim made" not in asked.text


@pytest.mark.usefixtures("payments_happened")
@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
def test_observers_and_sponsors_export_no_payment_entries(
    client, project: Project, manager: User, facilitator: User, export_format: str
) -> None:
    client.force_login(facilitator)
    whole = _export(client, project, export_format)
    assert "payments.claim_approved" in whole
    assert "payments.choice_made" in whole
    for reader in _readers(project, manager):
        client.force_login(reader)
        body = _export(client, project, export_format)
        assert "meeting.attendance_recorded" in body
        for action in (
            "payments.choice_made",
            "payments.claim_made",
            "payments.attendance_claims_made",
            "payments.claim_approved",
            "payments.claim_queried",
            "payments.claims_exported",
        ):
            assert action not in body, (reader, action)
        for words in PRIVATE_WORDS:
            assert words not in body, (reader, words)
        # Where the hidden entries sit: right after each meeting's attendance, the same
        # number, whether its member chose no payment (no claim) or payment (one).
        rows = _actions_and_sequences(body, export_format)
        hidden_after = [
            rows[index + 1][1] - sequence - 1
            for index, (action, sequence) in enumerate(rows)
            if action == "meeting.attendance_recorded"
        ]
        assert len(hidden_after) == 2
        assert hidden_after[0] == hidden_after[1], hidden_after


@pytest.mark.usefixtures("payments_happened")
def test_a_background_export_leaves_them_out_for_an_observer_too(
    client, project: Project, manager: User, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from trail import services as trail_services
    from trail.models import AuditExport

    settings.AUDIT_EXPORT_STREAM_LIMIT = 5
    settings.VAR_DIR = tmp_path / "var"
    client.force_login(manager)
    response = client.post(
        reverse("trail:export", kwargs={"project_id": project.pk}),
        {"format": "jsonl", "query": ""},
    )
    assert response.status_code == 302
    job = trail_services.export_run(export_id=AuditExport.objects.get().pk)
    assert job.status == "ready"
    download = client.get(
        reverse("trail:export_download", kwargs={"project_id": project.pk, "export_id": job.pk})
    )
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode()
    assert "meeting.attendance_recorded" in body
    assert "payments.claim" not in body
    assert "payments.choice_made" not in body
    assert "payments.attendance_claims_made" not in body
