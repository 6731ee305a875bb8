"""Observers see a member's group and declaration of interests only where the member chose
to share them; facilitators, who run the project, see every one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from participants.models import User
from projects.models import Membership, Project

pytestmark = pytest.mark.django_db


def _people(client, project: Project, person: User) -> str:  # type: ignore[no-untyped-def]
    client.force_login(person)
    page = client.get(reverse("projects:people", kwargs={"project_id": project.pk}))
    assert page.status_code == 200
    return page.text


@pytest.fixture
def choices(project: Project, lived_experience_member: User, carer_member: User) -> None:
    """The lived-experience member shares; the carer does not. Both declare an interest."""
    Membership.objects.filter(project=project, user=lived_experience_member).update(
        show_constituency=True, declaration_of_interests="I volunteer for a crisis charity."
    )
    Membership.objects.filter(project=project, user=carer_member).update(
        declaration_of_interests="My partner works on the crisis line."
    )


def _row(text: str, name: str) -> str:
    start = text.index(name)
    return text[start : text.index("</tr>", start)]


@pytest.mark.usefixtures("choices")
def test_an_observer_sees_a_group_only_where_the_member_shared_it(
    client, project: Project, manager: User
) -> None:
    text = _people(client, project, manager)
    sharing = _row(text, "Quiet Heron")
    assert "Lived experience of mental illness" in sharing
    assert "I volunteer for a crisis charity." in sharing
    private = _row(text, "Steady Rowan")
    assert "Carer, family member or supporter" not in private
    assert "My partner works on the crisis line." not in private
    assert "Not shared" in private
    assert "Carer, family member or supporter" not in text


@pytest.mark.usefixtures("choices")
def test_a_facilitator_sees_every_group_to_run_the_project(
    client, project: Project, facilitator: User
) -> None:
    text = _people(client, project, facilitator)
    private = _row(text, "Steady Rowan")
    assert "Carer, family member or supporter" in private
    assert "My partner works on the crisis line." in private
    assert "Not shared" not in text


def test_the_join_form_says_who_sees_the_group() -> None:
    from projects.forms import JoinForm

    form = JoinForm(role="member")
    assert "only the facilitators see" in str(form.fields["show_constituency"].help_text)
