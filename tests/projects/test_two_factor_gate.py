"""Facilitator and observer pages need two factors in this very sign-in.

Having an authenticator app is not enough: a session that signed in another way (an
emailed code before the app was switched on, an old session) is sent to enter the
app's code once, then goes on to the page it wanted.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from participants.models import User
from projects.models import Project, Stage
from tests.conftest import code_from_email, wait_for
from tests.factories import current_totp_code, enable_totp


def _people(project: Project) -> str:
    return reverse("projects:people", kwargs={"project_id": project.pk})


def _sign_in_by_emailed_code(client, person: User) -> None:  # type: ignore[no-untyped-def]
    mail.outbox.clear()
    client.post(reverse("account_request_login_code"), {"email": person.email})
    code = code_from_email(wait_for(lambda: mail.outbox and mail.outbox[-1]))
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == person


@pytest.mark.django_db(transaction=True)
def test_a_facilitator_signed_in_by_emailed_code_only_enters_the_app_code_first(
    client, project: Project, facilitator: User, celery_worker
) -> None:
    # Signed in with an emailed code while the app was off; switched it on elsewhere since.
    Authenticator.objects.filter(user=facilitator).delete()
    _sign_in_by_emailed_code(client, facilitator)
    enable_totp(facilitator)

    response = client.get(_people(project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    asked = client.get(response["Location"])
    assert "code from your authenticator app each time you sign in" in asked.text

    response = client.post(
        response["Location"], {"code": current_totp_code(facilitator)}, follow=True
    )
    assert response.redirect_chain[-1][0] == _people(project)
    assert response.status_code == 200
    assert "Quiet Heron" in response.text  # the people list itself


@pytest.mark.django_db
def test_an_old_session_is_refused_a_facilitator_action_until_the_code_is_entered(
    client, project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)
    assert stage.state == Stage.State.DRAFT
    transition = reverse(
        "projects:stage_transition", kwargs={"project_id": project.pk, "stage_id": stage.pk}
    )
    client.force_login(facilitator, two_factors=False)

    response = client.post(transition, {"to_state": "open"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    stage.refresh_from_db()
    assert stage.state == Stage.State.DRAFT  # nothing happened

    # After the code, they come back to the stage's page (a POST cannot be repeated).
    response = client.post(response["Location"], {"code": current_totp_code(facilitator)})
    assert response["Location"] == stage.get_absolute_url()
    client.post(transition, {"to_state": "open"})
    stage.refresh_from_db()
    assert stage.state == Stage.State.OPEN


@pytest.mark.django_db
def test_an_observer_without_the_code_in_this_session_does_not_read_the_trail(
    client, project: Project, manager: User
) -> None:
    trail = reverse("trail:trail", kwargs={"project_id": project.pk})
    client.force_login(manager, two_factors=False)
    response = client.get(trail)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))

    client.force_login(manager)  # signed in with the app's code, as through the pages
    assert client.get(trail).status_code == 200


@pytest.mark.django_db
def test_members_are_never_asked_for_a_second_factor(
    client, project: Project, carer_member: User
) -> None:
    client.force_login(carer_member)
    assert client.get(project.get_absolute_url()).status_code == 200


# Real transactions: allauth records the new app once the database has committed it.
@pytest.mark.django_db(transaction=True)
def test_switching_the_app_on_counts_as_using_it_in_that_session(
    client, project: Project, manager: User, password: str
) -> None:
    Authenticator.objects.filter(user=manager).delete()
    client.post(reverse("account_login"), {"login": manager.email, "password": password})
    response = client.get(_people(project))
    assert response["Location"].startswith(reverse("projects:mfa_required"))

    client.post(reverse("account_reauthenticate"), {"password": password})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=manager, type="totp").exists()

    # Straight in: no second code a moment after typing one to switch the app on.
    assert client.get(_people(project)).status_code == 200
