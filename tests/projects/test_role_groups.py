"""Rights need a current membership as well as the role group; the admin cannot change
who is in a project's role groups (joining is an invitation, with its trail entry)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.forms import SplitDateTimeWidget
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from participants.models import User
from projects import permissions, services
from projects.models import Membership, Project, ProjectRoleGroup
from tests.factories import UserFactory, enable_totp

pytestmark = pytest.mark.django_db


def _role_group(project: Project, role: str) -> Group:
    return ProjectRoleGroup.objects.get(project=project, role=role).group


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ["member", "facilitator", "observer"])
def test_a_person_put_into_a_role_group_without_joining_gets_nothing(
    client, project: Project, outsider: User, role: str
) -> None:
    enable_totp(outsider)  # so a facilitator's or observer's pages would not stop at two factors
    _role_group(project, role).user_set.add(outsider)
    assert not permissions.project_rights(_fresh(outsider), project)

    client.force_login(outsider)
    for url in (
        project.get_absolute_url(),
        reverse("projects:people", kwargs={"project_id": project.pk}),
        reverse("projects:settings", kwargs={"project_id": project.pk}),
        reverse("trail:trail", kwargs={"project_id": project.pk}),
    ):
        assert client.get(url).status_code == 404, url
    assert outsider.display_name not in _people_page(client, project)


def _people_page(client, project: Project) -> str:  # type: ignore[no-untyped-def]
    facilitator = Membership.objects.get(project=project, role="facilitator").user
    client.force_login(facilitator)
    return client.get(reverse("projects:people", kwargs={"project_id": project.pk})).text


def test_a_person_who_left_holds_no_right_even_if_put_back_into_the_group(
    project: Project, carer_member: User
) -> None:
    membership = Membership.objects.get(project=project, user=carer_member)
    services.membership_end(actor=carer_member, membership=membership)
    _role_group(project, "member").user_set.add(carer_member)
    assert not permissions.can_view_project(_fresh(carer_member), project)


def test_a_membership_without_its_group_gives_no_right_either(
    project: Project, carer_member: User
) -> None:
    _role_group(project, "member").user_set.remove(carer_member)
    assert not permissions.can_view_project(_fresh(carer_member), project)


def test_a_member_holds_only_the_rights_of_their_own_role(
    project: Project, carer_member: User
) -> None:
    """Being also in the facilitators' group by hand adds nothing to a member."""
    _role_group(project, "facilitator").user_set.add(carer_member)
    rights = permissions.project_rights(_fresh(carer_member), project)
    assert rights == {
        "view_project",
        "propose_in_project",
        "comment_in_project",
        "vote_in_project",
        "take_part_in_project",
    }


# --- The admin ------------------------------------------------------------------


@pytest.fixture
def administrator(db: None) -> User:
    person = UserFactory(
        email="keeper@example.org", display_name="Site Keeper", is_staff=True, is_superuser=True
    )
    enable_totp(person)
    return person


def test_the_admin_shows_a_role_group_but_refuses_to_change_or_delete_it(
    client, project: Project, administrator: User
) -> None:
    group = _role_group(project, "member")
    client.force_login(administrator)
    change = reverse("admin:auth_group_change", args=[group.pk])
    assert client.get(change).status_code == 200  # read-only view
    response = client.post(change, {"name": "Anything", "permissions": []})
    assert response.status_code == 403
    assert client.post(reverse("admin:auth_group_delete", args=[group.pk])).status_code == 403
    response = client.post(
        reverse("admin:auth_group_changelist"),
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )
    group.refresh_from_db()
    assert group.name != "Anything"
    assert Group.objects.filter(pk=group.pk).exists()


def test_site_wide_groups_stay_editable(client, administrator: User) -> None:
    group = Group.objects.create(name="Helpers")
    client.force_login(administrator)
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "Site helpers"}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Site helpers"


def _form_data(response: Any) -> dict[str, Any]:
    """What the admin's change form would send back unchanged."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value in (None, False):
            continue
        if isinstance(field.widget, SplitDateTimeWidget):
            day, time = field.widget.decompress(value)
            data[f"{name}_0"], data[f"{name}_1"] = day.isoformat(), time.strftime("%H:%M:%S")
        elif isinstance(value, (list, tuple)):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = value
    return data


def test_a_persons_admin_page_neither_offers_nor_drops_project_role_groups(
    client, project: Project, administrator: User, carer_member: User, outsider: User
) -> None:
    client.force_login(administrator)
    members = _role_group(project, "member")
    helpers = Group.objects.create(name="Helpers")
    events = AuditEvent.objects.count()

    # Saving a member's page (adding a site-wide group) keeps their project role group.
    change = reverse("admin:participants_user_change", args=[carer_member.pk])
    page = client.get(change)
    offered = set(page.context["adminform"].form.fields["groups"].queryset)
    assert helpers in offered
    assert members not in offered
    data = _form_data(page)
    data["groups"] = [helpers.pk]
    assert client.post(change, data).status_code == 302
    assert set(carer_member.groups.all()) == {members, helpers}
    assert permissions.can_view_project(_fresh(carer_member), project)

    # Putting an outsider into the members' group from their page is refused.
    change = reverse("admin:participants_user_change", args=[outsider.pk])
    data = _form_data(client.get(change))
    data["groups"] = [members.pk]
    response = client.post(change, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["groups"]
    assert not outsider.groups.exists()
    assert AuditEvent.objects.count() == events
