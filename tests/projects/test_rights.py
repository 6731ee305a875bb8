"""Equal rights by construction, and the roles x stage states permission matrix."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from decisions import permissions as vote_permissions
from participants.models import User
from projects import permissions, services
from projects.models import (
    Project,
    ProjectGroupObjectPermission,
    ProjectRight,
    ProjectUserObjectPermission,
    Stage,
)

pytestmark = pytest.mark.django_db

CAST = (
    "lived_experience_member",
    "carer_member",
    "clinician_member",
    "facilitator",
    "manager",
    "outsider",
)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_no_person_holds_a_right_of_their_own(project: Project) -> None:
    assert not ProjectUserObjectPermission.objects.exists()
    vote_grants = ProjectGroupObjectPermission.objects.filter(
        content_object=project, permission__codename=ProjectRight.VOTE
    )
    assert [grant.group.project_role.role for grant in vote_grants] == ["member"]


def test_every_member_holds_exactly_the_same_rights(
    project: Project, lived_experience_member: User, carer_member: User, clinician_member: User
) -> None:
    rights = {
        permissions.project_rights(_fresh(person), project)
        for person in (lived_experience_member, carer_member, clinician_member)
    }
    assert rights == {
        frozenset(
            {
                "view_project",
                "propose_in_project",
                "comment_in_project",
                "vote_in_project",
                "take_part_in_project",
            }
        )
    }


def test_a_grant_to_one_person_gives_no_extra_vote(project: Project, outsider: User) -> None:
    assign_perm(f"projects.{ProjectRight.VOTE}", outsider, project)
    stage = project.stages.get(position=2)
    stage.state = Stage.State.VOTING
    assert not vote_permissions.can_vote(_fresh(outsider), stage)


def test_superusers_do_not_vote_or_see_projects_they_are_not_in(project: Project) -> None:
    admin = User.objects.create_superuser(email="admin@example.org", password="x" * 12)
    stage = project.stages.get(position=2)
    stage.state = Stage.State.VOTING
    assert not permissions.can_view_project(admin, project)
    assert not vote_permissions.can_vote(admin, stage)


# The matrix: for each action and stage state, who may act. Everyone else may not.
MEMBERS = {"lived_experience_member", "carer_member", "clinician_member"}
EXPECTED: dict[tuple[str, str], set[str]] = {}
for state in ("draft", "open", "voting", "closed"):
    EXPECTED[("view", state)] = MEMBERS | {"facilitator", "manager"}
    EXPECTED[("configure", state)] = {"facilitator"}
    EXPECTED[("invite", state)] = {"facilitator"}
    EXPECTED[("moderate", state)] = {"facilitator"}
    EXPECTED[("read_audit_trail", state)] = {"facilitator", "manager"}
    EXPECTED[("propose", state)] = MEMBERS if state == "open" else set()
    EXPECTED[("comment", state)] = MEMBERS if state == "open" else set()
    EXPECTED[("vote", state)] = MEMBERS if state == "voting" else set()
    EXPECTED[("change_voting_rules", state)] = (
        {"facilitator"} if state in ("draft", "open") else set()
    )

ACTIONS = {
    "view": lambda user, stage: permissions.can_view_project(user, stage.project),
    "configure": lambda user, stage: permissions.can_configure_project(user, stage.project),
    "invite": lambda user, stage: permissions.can_invite(user, stage.project),
    "moderate": lambda user, stage: permissions.can_moderate(user, stage.project),
    "read_audit_trail": lambda user, stage: permissions.can_read_audit_trail(user, stage.project),
    "propose": vote_permissions.can_propose,
    "comment": vote_permissions.can_comment_in_stage,
    "vote": vote_permissions.can_vote,
    "change_voting_rules": vote_permissions.can_change_voting_rules,
}


@pytest.mark.parametrize("state", ["draft", "open", "voting", "closed"])
def test_permission_matrix(request: pytest.FixtureRequest, project: Project, state: str) -> None:
    stage = project.stages.get(position=2)  # priority setting, voted by ranking
    stage.state = state
    stage.project = project
    people = {name: _fresh(request.getfixturevalue(name)) for name in CAST}
    from django.contrib.auth.models import AnonymousUser

    people["anonymous"] = AnonymousUser()
    table = {
        (action, name): check(person, stage)
        for action, check in ACTIONS.items()
        for name, person in people.items()
    }
    for action in ACTIONS:
        allowed = {name for name in people if table[(action, name)]}
        assert allowed == EXPECTED[(action, state)], (action, state)


def test_nothing_can_be_done_in_a_finished_project_but_reading(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project.stages.get(position=1)
    services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    services.project_update(actor=facilitator, project=project, status="finished")
    project.refresh_from_db()
    stage.refresh_from_db()
    stage.project = project
    member = _fresh(carer_member)
    assert permissions.can_view_project(member, project)
    assert not vote_permissions.can_propose(member, stage)
    assert not permissions.can_invite(_fresh(facilitator), project)
