"""A person's download holds their meeting replies (with their needs), attendance,
payment choices and claims; erasing the account removes what they said they need."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.utils import timezone

from coproduce.site.data_rights import account_erase, personal_data_zip
from meetings import services as meeting_services
from meetings.models import Reply
from payments import services as payment_services
from payments.models import Claim
from tests.meetings.conftest import meeting  # noqa: F401 (fixture)
from tests.payments.conftest import policy  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_the_download_and_erasure(project, policy, meeting, carer_member, lived_experience_member):  # type: ignore[no-untyped-def]  # noqa: F811
    meeting_services.meeting_reply(
        actor=carer_member, meeting=meeting, coming="yes", needs="A hearing loop"
    )
    meeting_services.meeting_reply(
        actor=lived_experience_member, meeting=meeting, coming="no", needs="Not this one"
    )
    payment_services.payment_choice_set(actor=carer_member, project=project, choice="voucher")
    payment_services.claim_make(
        actor=carer_member,
        project=project,
        kind="travel",
        amount="7.70",
        on=timezone.localdate(),
        description="Bus",
    )
    archive = zipfile.ZipFile(io.BytesIO(personal_data_zip(user=carer_member, site_name="Test")))
    replies = json.loads(archive.read("meeting_replies.json"))
    assert [row["needs"] for row in replies] == ["A hearing loop"]  # only their own
    assert json.loads(archive.read("payment_choices.json"))[0]["choice"] == "voucher"
    assert json.loads(archive.read("payment_claims.json"))[0]["amount"] == "7.70"
    assert "meetings_attended.csv" in archive.namelist()

    account_erase(actor=carer_member, user=carer_member)
    assert Reply.objects.get(user=carer_member).needs == ""
    assert Reply.objects.get(user=lived_experience_member).needs == "Not this one"
    assert Claim.objects.filter(claimant=carer_member).exists()  # a record of money
