"""Payment pages: each person sees only their own choice and claims, kind errors keep
what was typed, the statement and finance export, and flat query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.models import Claim, Rate
from tests.conftest import field_error
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.django_db


def _url(name: str, project, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"payments:{name}", kwargs={"project_id": project.pk, **kwargs})


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_rate_with_three_decimals_or_negative_keeps_what_was_typed(
    client, project, policy, facilitator
) -> None:
    client.force_login(facilitator)
    activity = policy.activities.get(kind="meeting")
    url = _url("rate_add", project, activity_id=activity.pk)
    before = Rate.objects.count()
    page = client.post(url, {"amount": "27.505", "effective_from": "2027-04-01"})
    assert page.status_code == 200
    assert "no more than two numbers after the point" in page.text
    assert 'value="27.505"' in page.text
    assert 'value="2027-04-01"' in page.text
    page = client.post(url, {"amount": "-3", "effective_from": "2027-04-01"})
    assert "cannot be negative" in page.text
    assert 'value="-3"' in page.text
    assert Rate.objects.count() == before
    assert client.post(url, {"amount": "30.25", "effective_from": "2027-04-01"}).status_code == 302
    assert Rate.objects.count() == before + 1


def test_a_claim_without_a_description_or_outside_the_policy_keeps_what_was_typed(
    client, project, policy, carer_member
) -> None:
    client.force_login(carer_member)
    url = _url("claim_create", project)
    page = client.post(url, {"kind": "travel", "amount": "12.40", "on": "", "description": ""})
    assert page.status_code == 200
    assert "Say what the claim is for" in page.text
    assert 'value="12.40"' in page.text
    long_ago = (policy.starts_on - dt.timedelta(days=3)).isoformat()
    page = client.post(
        url, {"kind": "travel", "amount": "12.40", "on": long_ago, "description": "Bus"}
    )
    assert "outside the payment policy" in page.text
    assert 'value="Bus"' in page.text
    assert not Claim.objects.exists()


def test_a_claim_for_a_meeting_not_attended_is_refused_kindly(
    client, project, policy, past_meeting, carer_member
) -> None:
    client.force_login(carer_member)
    page = client.post(
        _url("claim_create", project),
        {"kind": "attendance", "meeting": past_meeting.pk, "description": "The workshop"},
    )
    assert page.status_code == 200
    assert "do not show you at that meeting" in page.text
    assert 'value="The workshop"' in page.text


def test_other_members_never_see_choices_or_claims(
    client, project, policy, carer_member, lived_experience_member, manager, facilitator
) -> None:
    services.payment_choice_set(actor=carer_member, project=project, choice="voucher")
    services.claim_make(
        actor=carer_member,
        project=project,
        kind="travel",
        amount="9.99",
        on=timezone.localdate(),
        description="Taxi to the Civic Centre",
    )
    client.force_login(lived_experience_member)
    for name in ("overview", "ledger", "choice"):
        page = client.get(_url(name, project))
        assert page.status_code == 200  # the page itself, not a refusal with nothing on it
        assert "9.99" not in page.text
        assert "Taxi" not in page.text
        assert "Vouchers" not in page.text or name == "choice"  # the choices offered
    page = client.get(_url("overview", project))
    assert page.status_code == 200
    assert "You chose" not in page.text
    for person in (lived_experience_member, manager):
        client.force_login(person)
        assert client.get(_url("claims", project)).status_code == 403
    client.force_login(manager)
    assert client.get(_url("ledger", project)).status_code == 403
    client.force_login(carer_member)
    assert "You chose: Vouchers" in client.get(_url("overview", project)).text
    assert "Taxi to the Civic Centre" in client.get(_url("ledger", project)).text
    client.force_login(facilitator)
    assert "Taxi to the Civic Centre" in client.get(_url("claims", project)).text


def test_attendance_page_makes_claims_and_the_member_downloads_a_statement(
    client, project, policy, past_meeting, facilitator, carer_member
) -> None:
    client.force_login(facilitator)
    url = _url("attendance", project, meeting_id=past_meeting.pk)
    assert client.get(url).status_code == 200
    response = client.post(url, {f"person-{carer_member.pk}": "online"})
    assert response.status_code == 302
    claim = Claim.objects.get()
    review = _url("claim_review", project, claim_id=claim.pk)
    assert "Not chosen yet" in client.get(review).text  # the facilitator sees the choice
    page = client.post(review, {"decision": "query", "reason": ""})
    assert page.status_code == 200
    # The service's rule, beside the reason (the review form holds no copy of it).
    assert field_error(page, "reason") == (
        "Say what you want to ask about this claim: the member sees it."
    )
    assert Claim.objects.get().status == "submitted"
    assert client.post(review, {"decision": "approve", "reason": ""}).status_code == 302
    exported = client.post(_url("export", project))
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[1][8] == "68.75"  # 2.5 hours at £27.50
    client.force_login(carer_member)
    statement = client.get(_url("statement", project))
    assert statement["Content-Type"].startswith("text/csv")
    assert "68.75" in statement.content.decode()
    assert client.get(_url("statement", project)).status_code == 200
    client.force_login(facilitator)
    assert client.get(_url("statement", project)).status_code == 403


def test_pages_read_a_flat_number_of_queries(
    client, project, policy, facilitator, carer_member
) -> None:
    def claim() -> None:
        services.claim_make(
            actor=carer_member,
            project=project,
            kind="travel",
            amount="1.00",
            on=timezone.localdate(),
            description="Bus",
        )

    claim()
    client.force_login(carer_member)
    ledger_before = _queries(client, _url("ledger", project))
    client.force_login(facilitator)
    claims_before = _queries(client, _url("claims", project))
    overview_before = _queries(client, _url("overview", project))
    for _n in range(4):
        claim()
    schedule(project, facilitator, days=-1)
    assert _queries(client, _url("claims", project)) == claims_before
    assert _queries(client, _url("overview", project)) == overview_before
    client.force_login(carer_member)
    assert _queries(client, _url("ledger", project)) == ledger_before


def test_refusals_show_beside_the_field_they_are_about(
    client, project, policy, facilitator, carer_member
) -> None:
    client.force_login(facilitator)
    page = client.post(
        _url("activity_add", project),
        {
            "kind": "reviewing",
            "name": "Reviewing documents",
            "unit": "session",
            "amount": "31",
            "effective_from": "2027-04-01",
        },
    )
    assert page.status_code == 200
    assert field_error(page, "name") == (
        "There is already an activity with that name. Choose another name."
    )
    assert 'value="31"' in page.text
    client.force_login(carer_member)
    # Every field a travel claim needs, at once (the service's own list of them).
    page = client.post(_url("claim_create", project), {"kind": "travel", "description": "Bus"})
    assert page.status_code == 200
    assert field_error(page, "amount") == "Enter how much you spent, like 12.40."
    assert field_error(page, "on") == "Enter the day, for example 3 March 2027."
    # A rule the service holds, beside its field.
    page = client.post(
        _url("claim_create", project),
        {"kind": "travel", "amount": "4.00", "on": "2030-01-01", "description": "Bus"},
    )
    assert page.status_code == 200
    assert field_error(page, "on") == "You can claim only for something that has already happened."
    assert not Claim.objects.exists()
