"""`manage.py seed_demo` makes the demo accounts, again and again, and only in development."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import override_settings

from coproduce.management.commands.seed_demo import DEMO_PASSWORD, DEMO_PEOPLE
from participants.models import User
from projects.models import Membership, Project

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_creates_one_account_per_role_and_is_idempotent(client) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.count() == len(DEMO_PEOPLE) == 6
    assert EmailAddress.objects.filter(verified=True).count() == 6
    project = Project.objects.get()
    roles = sorted(Membership.objects.filter(project=project).values_list("user__email", "role"))
    assert roles == [
        ("carer@example.org", "member"),
        ("clinician@example.org", "member"),
        ("facilitator@example.org", "facilitator"),
        ("lived-experience@example.org", "member"),
        ("manager@example.org", "observer"),
    ]
    assert project.stages.count() == 5
    first_stage = project.stages.get(position=1)
    assert first_stage.state == "open"
    assert first_stage.proposals.count() == 4
    response = client.post(
        "/accounts/login/", {"login": "facilitator@example.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_seed_demo_refuses_when_debug_is_off() -> None:
    with pytest.raises(CommandError, match="only runs with DEBUG=true"):
        call_command("seed_demo")
    assert not User.objects.exists()
