"""The one-statement reads that start every project and stage page (`projects.access`,
`projects.selectors.get_project_for_user`) give exactly the rights `project_rights`
gives, in every awkward case: someone put into a role group by hand, a member who left,
a grant to one person, a superuser, a stage of another project."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group
from django.http import Http404
from django.test import RequestFactory
from guardian.shortcuts import assign_perm

from decisions.models import VotingMethod, VotingRules
from participants.models import User
from projects import access, permissions, selectors
from projects.models import (
    ROLE_RIGHTS,
    Membership,
    Project,
    ProjectRight,
    ProjectRoleGroup,
    Stage,
)
from projects.services.memberships import membership_end

pytestmark = pytest.mark.django_db

CAST = (
    "lived_experience_member",
    "carer_member",
    "clinician_member",
    "facilitator",
    "manager",
)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _request(user: User):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = _fresh(user)
    return request


def _both(user: User, project: Project, stage: Stage) -> tuple[frozenset[str], frozenset[str]]:
    """Rights as a stage page and as a project page read them (404: none)."""
    try:
        stage_rights = access.stage_context(_request(user), project.pk, stage.pk).rights
    except Http404:
        stage_rights = frozenset()
    try:
        person = _fresh(user)
        page = selectors.get_project_for_user(person, project.pk)
        assert page.project == project
        project_rights = permissions.project_rights(person, project)  # what the read kept
    except Http404:
        project_rights = frozenset()
    return stage_rights, project_rights


@pytest.mark.parametrize("person", CAST)
def test_each_role_reads_the_same_rights_on_every_page(
    request: pytest.FixtureRequest, project: Project, person: str
) -> None:
    user = request.getfixturevalue(person)
    stage = project.stages.get(position=2)
    role = Membership.objects.get(project=project, user=user, left_at__isnull=True).role
    expected = frozenset(ROLE_RIGHTS[role])  # the role's rights as the project defines them
    assert permissions.project_rights(_fresh(user), project) == expected
    assert _both(user, project, stage) == (expected, expected)
    context = access.stage_context(_request(user), project.pk, stage.pk)
    assert context.membership is not None
    assert context.membership.user_id == user.pk
    assert context.membership.project is context.project
    assert context.stage.project is context.project
    assert context.stage.title == stage.title
    assert context.project.title == project.title


def test_a_person_put_into_a_role_group_by_hand_gets_nothing(
    project: Project, outsider: User
) -> None:
    group = ProjectRoleGroup.objects.get(project=project, role="member").group
    outsider.groups.add(group)
    stage = project.stages.get(position=2)
    assert permissions.project_rights(_fresh(outsider), project) == frozenset()
    assert _both(outsider, project, stage) == (frozenset(), frozenset())
    with pytest.raises(Http404):
        access.stage_context(_request(outsider), project.pk, stage.pk)


def test_a_member_who_left_gets_nothing_even_if_put_back_into_the_group(
    project: Project, carer_member: User
) -> None:
    membership = Membership.objects.get(project=project, user=carer_member)
    membership_end(actor=carer_member, membership=membership)
    carer_member.groups.add(ProjectRoleGroup.objects.get(project=project, role="member").group)
    stage = project.stages.get(position=2)
    assert _both(carer_member, project, stage) == (frozenset(), frozenset())


def test_a_member_taken_out_of_the_group_by_hand_gets_nothing(
    project: Project, clinician_member: User
) -> None:
    member_group = Group.objects.get(project_role__project=project, project_role__role="member")
    clinician_member.groups.remove(member_group)
    stage = project.stages.get(position=2)
    assert _both(clinician_member, project, stage) == (frozenset(), frozenset())


def test_a_grant_to_one_person_and_a_superuser_count_for_nothing(
    project: Project, outsider: User
) -> None:
    assign_perm(f"projects.{ProjectRight.VIEW}", outsider, project)
    admin = User.objects.create_superuser(email="admin@example.org", password="x" * 12)
    stage = project.stages.get(position=2)
    assert _both(outsider, project, stage) == (frozenset(), frozenset())
    assert _both(admin, project, stage) == (frozenset(), frozenset())


def test_a_stage_of_another_project_or_an_unknown_id_is_not_found(
    project: Project, facilitator: User
) -> None:
    other = Project.objects.exclude(pk=project.pk).first()
    stage = project.stages.get(position=2)
    for project_id, stage_id in (
        (uuid.uuid4(), stage.pk),
        (project.pk, uuid.uuid4()),
        (project.pk, "not-a-uuid"),
        (other.pk if other else uuid.uuid4(), stage.pk),
    ):
        with pytest.raises(Http404):
            access.stage_context(_request(facilitator), project_id, stage_id)


def test_the_voting_rules_come_with_the_stage(
    project: Project, facilitator: User, django_assert_num_queries
) -> None:
    stage = project.stages.get(position=2)
    without = project.stages.get(position=3)
    VotingRules.objects.create(stage=stage, voting_method=VotingMethod.SCORING)
    VotingRules.objects.filter(stage=without).delete()
    first, second = _request(facilitator), _request(facilitator)
    with django_assert_num_queries(2):
        context = access.stage_context(
            first, project.pk, stage.pk, select_related=("voting_rules",)
        )
        none = access.stage_context(
            second, project.pk, without.pk, select_related=("voting_rules",)
        )
        rules = context.stage.voting_rules  # loaded in the same statement
        with pytest.raises(VotingRules.DoesNotExist):
            none.stage.voting_rules  # noqa: B018 (no row: known without asking again)
    assert rules.stage is context.stage
    assert rules.voting_method == VotingMethod.SCORING
