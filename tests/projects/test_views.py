"""Project pages: the happy paths, and outsider 404, anonymous to sign-in, 403, 405, audit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from decisions.rules import voting_rules_for
from participants.models import User
from projects.models import Invitation, Membership, Project
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(name: str, project: Project, **kwargs: object) -> str:
    return reverse(f"projects:{name}", kwargs={"project_id": project.pk, **kwargs})


def _last_action(project: Project) -> str:
    return AuditEvent.objects.filter(project_id=project.pk).order_by("-sequence").first().action


# --- Seeing a project ---------------------------------------------------------------


def test_a_member_sees_the_project_with_counts_but_no_names(
    client, project: Project, carer_member: User
) -> None:
    client.force_login(carer_member)
    page = client.get(_url("detail", project))
    assert page.status_code == 200
    assert "Better crisis care at night" in page.text
    assert "What should change?" in page.text
    assert "Quiet Heron" not in page.text  # no list of who is a service user
    counts = dict(page.context["constituency_counts"])
    assert counts["Lived experience of mental illness"] == 1
    assert counts["Carer, family member or supporter"] == 1
    assert _url("people", project) not in page.text


def test_an_outsider_gets_the_same_404_as_for_a_project_that_does_not_exist(
    client, project: Project, outsider: User
) -> None:
    client.force_login(outsider)
    hidden = client.get(_url("detail", project))
    missing = client.get(
        reverse("projects:detail", kwargs={"project_id": "3f1e2f3a-0000-4000-8000-000000000000"})
    )
    nonsense = client.get(reverse("projects:detail", kwargs={"project_id": "not-a-uuid"}))
    assert hidden.status_code == missing.status_code == nonsense.status_code == 404
    import re

    def without_token(text: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert without_token(hidden.text) == without_token(missing.text)


def test_anonymous_visitors_are_sent_to_sign_in_without_learning_anything(
    client, project: Project
) -> None:
    for url in (_url("detail", project), reverse("projects:detail", kwargs={"project_id": "x"})):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_member_cannot_open_the_facilitator_pages(
    client, project: Project, lived_experience_member: User
) -> None:
    client.force_login(lived_experience_member)
    assert client.get(_url("settings", project)).status_code == 403
    assert client.get(_url("people", project)).status_code == 403
    assert client.get(_url("invite", project)).status_code == 403
    stage = project.stages.first()
    response = client.post(
        _url("stage_transition", project, stage_id=stage.pk), {"to_state": "open"}
    )
    assert response.status_code == 403
    stage.refresh_from_db()
    assert stage.state == "draft"


def test_an_observer_reads_the_member_list_but_cannot_invite(
    client, project: Project, manager: User
) -> None:
    client.force_login(manager)
    page = client.get(_url("people", project))
    assert page.status_code == 200
    assert "Quiet Heron" in page.text
    # Nobody in the cast chose to share their group with observers.
    assert "Lived experience of mental illness" not in page.text
    assert "Not shared" in page.text
    assert client.get(_url("invite", project)).status_code == 403


def test_facilitators_and_observers_must_switch_on_two_factor_sign_in(
    client, project: Project, manager: User
) -> None:
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=manager).delete()
    client.force_login(manager)
    response = client.get(_url("detail", project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("projects:mfa_required"))
    explanation = client.get(response["Location"])
    assert "authenticator app" in explanation.text
    assert reverse("mfa_activate_totp") in explanation.text


def test_wrong_methods_are_refused(client, project: Project, facilitator: User) -> None:
    client.force_login(facilitator)
    stage = project.stages.first()
    assert client.post(_url("detail", project)).status_code == 405
    assert client.get(_url("stage_transition", project, stage_id=stage.pk)).status_code == 405
    assert client.get(_url("stage_move", project, stage_id=stage.pk)).status_code == 405


# --- Creating and configuring --------------------------------------------------------


def test_a_facilitator_creates_a_project(client, facilitator: User) -> None:
    client.force_login(facilitator)
    assert client.get(reverse("projects:create")).status_code == 200
    response = client.post(
        reverse("projects:create"),
        {"title": "Calmer wards", "purpose": "Make wards calmer.", "ground_rules": "Be kind."},
    )
    project = Project.objects.get(title="Calmer wards")
    assert response["Location"] == project.get_absolute_url()
    assert project.stages.count() == 5
    assert _last_action(project) == "membership.started"


def test_creating_a_project_with_missing_text_keeps_what_was_typed(
    client, facilitator: User
) -> None:
    client.force_login(facilitator)
    response = client.post(
        reverse("projects:create"), {"title": "Calmer wards", "purpose": "", "ground_rules": ""}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_purpose"' in response.text
    assert 'value="Calmer wards"' in response.text
    assert not Project.objects.filter(title="Calmer wards").exists()


def test_people_without_the_site_wide_right_cannot_create_projects(
    client, carer_member: User
) -> None:
    client.force_login(carer_member)
    assert client.get(reverse("projects:create")).status_code == 403


def test_a_facilitator_opens_a_stage_and_the_trail_records_it(
    client, project: Project, facilitator: User
) -> None:
    client.force_login(facilitator)
    stage = project.stages.get(position=1)
    response = client.post(
        _url("stage_transition", project, stage_id=stage.pk), {"to_state": "open"}
    )
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.state == "open"
    assert _last_action(project) == "stage.opened"
    assert "The stage is now: Open." in client.get(response["Location"]).text


def test_the_stage_page_says_voting_rules_are_locked_and_the_form_refuses_changes(
    client, project: Project, facilitator: User
) -> None:
    from projects import services

    stage = project.stages.get(position=2)
    services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    client.force_login(facilitator)
    page = client.get(stage.get_absolute_url())
    assert "the voting rules are fixed" in page.text
    form_page = client.get(_url("stage_edit", project, stage_id=stage.pk))
    assert "Voting has opened, so this can no longer be changed." in form_page.text
    data = {
        "title": "New title",
        "kind": "priority_setting",
        "description": stage.description,
        "reflective_questions": "",
        "voting_method": "dots",
        "counting": "equal_constituencies",
        "proposals_allowed": "on",
    }
    response = client.post(_url("stage_edit", project, stage_id=stage.pk), data)
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.title == "New title"
    rules = voting_rules_for(stage)
    assert rules.voting_method == "ranking"
    assert rules.counting == "one_person_one_vote"


def test_stage_dates_out_of_order_get_a_kind_error(
    client, project: Project, facilitator: User
) -> None:
    client.force_login(facilitator)
    stage = project.stages.get(position=3)
    data = {
        "title": stage.title,
        "kind": stage.kind,
        "description": stage.description,
        "opens_at": "2027-03-10T10:00",
        "closes_at": "2027-03-01T10:00",
    }
    response = client.post(_url("stage_edit", project, stage_id=stage.pk), data)
    assert response.status_code == 200
    assert "The dates must be in order" in response.text
    assert 'value="2027-03-10T10:00"' in response.text


# --- Invitations -----------------------------------------------------------------------


def test_a_facilitator_invites_and_the_invitee_joins(
    client, project: Project, facilitator: User
) -> None:
    client.force_login(facilitator)
    response = client.post(
        _url("invite", project),
        {"email": "newcomer@example.org", "role": "member", "suggested_constituency": "carer"},
    )
    assert response.status_code == 302
    assert _last_action(project) == "invitation.sent"
    invitation = Invitation.objects.get(email="newcomer@example.org")
    assert invitation.status == "pending"
    assert "newcomer@example.org" in client.get(_url("people", project)).text


def test_an_invitation_link_leads_a_new_person_through_sign_up_and_joining(
    client, project: Project, facilitator: User
) -> None:
    from projects import services

    _invitation, token = services.invitation_create(
        actor=facilitator, project=project, email="newcomer@example.org", role="member"
    )
    link = reverse("projects:invitation", args=[token])
    page = client.get(link)
    assert page.status_code == 200
    assert "Create an account" in page.text

    # Sign-up is closed to everyone else, but open to the holder of an invitation.
    response = client.post(
        reverse("account_signup") + f"?next={link}",
        {
            "email": "newcomer@example.org",
            "password1": "a fine long passphrase",
            "password2": "a fine long passphrase",
            "display_name": "Kind Otter",
        },
    )
    assert response.status_code == 302, response.text
    assert response["Location"] == link  # the address is verified by the invitation itself

    join_page = client.get(link)
    assert "The ground rules" in join_page.text
    refused = client.post(link, {"constituency": "lived_experience"})
    assert "To join, tick the box to accept the ground rules." in refused.text
    assert 'value="lived_experience" checked' in refused.text or "checked" in refused.text

    joined = client.post(link, {"constituency": "lived_experience", "accepts_ground_rules": "on"})
    assert joined["Location"] == project.get_absolute_url()
    newcomer = User.objects.get(email="newcomer@example.org")
    assert newcomer.display_name == "Kind Otter"
    assert Membership.objects.get(project=project, user=newcomer).constituency == "lived_experience"
    assert client.get(project.get_absolute_url()).status_code == 200


def test_a_used_revoked_or_unknown_link_explains_itself(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    from projects import services

    invitation, token = services.invitation_create(
        actor=facilitator, project=project, email="x@example.org", role="member"
    )
    services.invitation_revoke(actor=facilitator, invitation=invitation)
    response = client.get(reverse("projects:invitation", args=[token]))
    assert response.status_code == 410
    assert "withdrawn" in response.text
    unknown = client.get(reverse("projects:invitation", args=["made-up-token"]))
    assert unknown.status_code == 404
    assert "Check that you copied the whole link" in unknown.text


def test_the_wrong_signed_in_account_gets_a_clear_message(
    client, project: Project, facilitator: User, outsider: User
) -> None:
    from projects import services

    _invitation, token = services.invitation_create(
        actor=facilitator, project=project, email="someone.else@example.org", role="member"
    )
    client.force_login(outsider)
    link = reverse("projects:invitation", args=[token])
    response = client.get(link)
    assert response.status_code == 403
    assert "sent to another email address" in response.text
    client.post(link, {"constituency": "carer", "accepts_ground_rules": "on"})
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_invitation_email_carries_the_link_and_the_role(
    project: Project, facilitator: User
) -> None:
    from projects import services
    from projects.tasks import invitation_email_send

    mail.outbox.clear()
    invitation, token = services.invitation_create(
        actor=facilitator, project=project, email="newcomer@example.org", role="observer"
    )
    invitation_email_send(str(invitation.pk), token)  # the task body, as the worker runs it
    message = mail.outbox[-1]
    assert message.to == ["newcomer@example.org"]
    assert reverse("projects:invitation", args=[token]) in message.body
    assert "observer" in message.body


def test_leaving_a_project(client, project: Project, carer_member: User) -> None:
    client.force_login(carer_member)
    assert client.get(_url("leave", project)).status_code == 200
    response = client.post(_url("leave", project))
    assert response["Location"] == reverse("home")
    assert client.get(_url("detail", project)).status_code == 404
    assert _last_action(project) == "membership.left"


def test_a_facilitator_removes_someone(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    membership = Membership.objects.get(project=project, user=carer_member)
    client.force_login(facilitator)
    assert (
        client.get(_url("membership_remove", project, membership_id=membership.pk)).status_code
        == 200
    )
    client.post(_url("membership_remove", project, membership_id=membership.pk))
    membership.refresh_from_db()
    assert membership.left_at is not None
    assert _last_action(project) == "membership.removed"


# --- Dashboard -------------------------------------------------------------------------


def test_the_dashboard_shows_what_is_open_now(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    from projects import services

    services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    client.force_login(carer_member)
    page = client.get(reverse("home"))
    assert "Better crisis care at night" in page.text
    assert "What should change?" in page.text


def _extra_projects(facilitator: User, members: list[User], count: int) -> None:
    from projects import services
    from tests.conftest import join

    for number in range(count):
        extra = services.project_create(
            actor=facilitator, title=f"Extra {number}", purpose="p", ground_rules="r"
        )
        for member in members:
            join(extra, member, "member", "other")


def test_dashboard_queries_do_not_grow_with_projects(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(carer_member)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    _extra_projects(facilitator, [carer_member], 6)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("home"))
    assert "Extra 5" in page.text
    assert len(many) == len(few)


def test_project_page_queries_do_not_grow_with_members_or_stages(
    client, project: Project, facilitator: User, manager: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects import services
    from tests.conftest import join

    client.force_login(manager)
    with CaptureQueriesContext(connection) as few:
        client.get(_url("detail", project))
        client.get(_url("people", project))
    for number in range(5):
        join(project, UserFactory(), "member", "clinician")
        services.stage_create(
            actor=facilitator,
            project=project,
            kind="other",
            title=f"Extra {number}",
            description="d",
        )
    with CaptureQueriesContext(connection) as many:
        client.get(_url("detail", project))
        client.get(_url("people", project))
    assert len(many) == len(few)


@pytest.mark.django_db(transaction=True)
def test_the_invitation_email_is_sent_after_the_commit(project: Project, facilitator: User) -> None:
    from django.db import transaction

    from projects import services

    mail.outbox.clear()
    with transaction.atomic():
        services.invitation_create(
            actor=facilitator, project=project, email="newcomer@example.org", role="member"
        )
        assert mail.outbox == []  # nothing is sent for an invitation that may yet be undone
    (message,) = [m for m in mail.outbox if m.to == ["newcomer@example.org"]]
    assert "Better crisis care at night" in message.subject


def test_easy_read_first_shows_the_summary_before_the_purpose(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    from projects import services

    services.project_update(
        actor=facilitator, project=project, easy_read_summary="Night help should be better."
    )
    client.force_login(carer_member)
    plain = client.get(_url("detail", project)).text
    assert "Read an easy read summary" in plain
    User.objects.filter(pk=carer_member.pk).update(easy_read_first=True)
    page = client.get(_url("detail", project)).text
    assert "In short" in page
    assert page.index("Night help should be better.") < page.index("Make the night-time crisis")
