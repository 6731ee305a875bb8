"""The rules of projects, stages, memberships and invitations, through their services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from participants.models import User
from projects import services
from projects.models import Invitation, Membership, Project, Stage
from tests.conftest import join
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _actions(project: Project) -> list[str]:
    return list(
        AuditEvent.objects.filter(project_id=project.pk)
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_a_new_project_has_the_five_standard_stages_and_its_creator_as_facilitator(
    facilitator: User,
) -> None:
    project = services.project_create(
        actor=facilitator, title="Night care", purpose="Why", ground_rules="Rules"
    )
    stages = list(project.stages.order_by("position"))
    assert [stage.title for stage in stages] == [
        "What should change?",
        "What matters most?",
        "How could we do it?",
        "Doing it together",
        "Did it work?",
    ]
    assert all(stage.state == Stage.State.DRAFT for stage in stages)
    assert "whose knowledge is missing" in stages[0].reflective_questions.lower()
    membership = Membership.objects.get(project=project, user=facilitator)
    assert membership.role == "facilitator"
    assert _actions(project) == ["project.created", "membership.started"]


def test_only_people_granted_the_site_wide_right_create_projects(outsider: User) -> None:
    with pytest.raises(RightsError):
        services.project_create(actor=outsider, title="x", purpose="y", ground_rules="z")
    assert not Project.objects.exists()


def test_a_stage_moves_through_its_lifecycle_in_order(project: Project, facilitator: User) -> None:
    stage = project.stages.get(position=2)  # priority setting, with a vote
    with pytest.raises(RuleError):
        services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    for state in ("open", "voting"):
        stage = services.stage_transition(actor=facilitator, stage=stage, to_state=state)
        assert stage.state == state
    assert stage.voting_opened_at is not None
    # A vote is closed by decisions' voting_close (which records the result), not here.
    with pytest.raises(RuleError, match="voting page"):
        services.stage_transition(actor=facilitator, stage=stage, to_state="closed")
    stage = services.stage_vote_close(actor=facilitator, stage=stage)
    assert stage.state == "closed"
    assert _actions(project)[-3:] == ["stage.opened", "stage.voting_opened", "stage.closed"]


def test_moving_a_stage_twice_to_the_same_state_does_no_harm(
    project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=1)
    services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    assert _actions(project).count("stage.opened") == 1


def test_a_stage_without_a_vote_closes_straight_from_open(
    project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=1)
    services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    stage = services.stage_transition(actor=facilitator, stage=stage, to_state="closed")
    assert stage.state == "closed"


def test_stage_dates_must_be_in_order(project: Project, facilitator: User) -> None:
    stage = project.stages.get(position=2)
    now = timezone.now()
    with pytest.raises(RuleError, match="in order"):
        services.stage_update(
            actor=facilitator, stage=stage, opens_at=now, closes_at=now - timedelta(days=1)
        )


def test_stages_are_added_reordered_and_removed(project: Project, facilitator: User) -> None:
    added = services.stage_create(
        actor=facilitator, project=project, kind="other", title="Celebrate", description="Party"
    )
    assert added.position == 6
    services.stage_move(actor=facilitator, stage=added, direction=-1)
    titles = list(project.stages.order_by("position").values_list("title", flat=True))
    assert titles[4:] == ["Celebrate", "Did it work?"]
    services.stage_delete(actor=facilitator, stage=project.stages.get(position=1))
    positions = list(project.stages.order_by("position").values_list("position", flat=True))
    assert positions == [1, 2, 3, 4, 5]


def test_a_stage_that_has_started_cannot_be_removed(project: Project, facilitator: User) -> None:
    stage = services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    with pytest.raises(RuleError):
        services.stage_delete(actor=facilitator, stage=stage)
    assert project.stages.count() == 5


def test_members_cannot_configure(project: Project, carer_member: User) -> None:
    with pytest.raises(RightsError):
        services.stage_transition(actor=carer_member, stage=project.stages.first(), to_state="open")


# --- Invitations ----------------------------------------------------------------


def _invite(project: Project, facilitator: User, email: str, role: str = "member") -> str:
    _invitation, token = services.invitation_create(
        actor=facilitator, project=project, email=email, role=role
    )
    return token


def test_an_invitation_is_single_use(project: Project, facilitator: User) -> None:
    newcomer = UserFactory(email="new@example.org")
    token = _invite(project, facilitator, "new@example.org")
    services.invitation_accept(
        actor=newcomer, token=token, constituency="carer", accepts_ground_rules=True
    )
    with pytest.raises(RuleError, match="already been used"):
        services.invitation_accept(
            actor=newcomer, token=token, constituency="carer", accepts_ground_rules=True
        )
    assert Membership.objects.filter(project=project, user=newcomer).count() == 1


def test_an_expired_invitation_cannot_be_accepted(project: Project, facilitator: User) -> None:
    newcomer = UserFactory(email="new@example.org")
    token = _invite(project, facilitator, "new@example.org")
    Invitation.objects.filter(email="new@example.org").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(RuleError, match="expired"):
        services.invitation_accept(
            actor=newcomer, token=token, constituency="carer", accepts_ground_rules=True
        )
    assert not Membership.objects.filter(user=newcomer).exists()


def test_an_invitation_lasts_fourteen_days(project: Project, facilitator: User) -> None:
    _invite(project, facilitator, "new@example.org")
    invitation = Invitation.objects.get(email="new@example.org")
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)


def test_a_revoked_invitation_cannot_be_accepted(project: Project, facilitator: User) -> None:
    newcomer = UserFactory(email="new@example.org")
    token = _invite(project, facilitator, "new@example.org")
    services.invitation_revoke(
        actor=facilitator, invitation=Invitation.objects.get(email="new@example.org")
    )
    with pytest.raises(RuleError, match="withdrawn"):
        services.invitation_accept(
            actor=newcomer, token=token, constituency="carer", accepts_ground_rules=True
        )
    assert "invitation.revoked" in _actions(project)


def test_another_account_cannot_accept_someone_elses_invitation(
    project: Project, facilitator: User, outsider: User
) -> None:
    token = _invite(project, facilitator, "someone.else@example.org")
    with pytest.raises(RuleError, match="different email address"):
        services.invitation_accept(
            actor=outsider, token=token, constituency="carer", accepts_ground_rules=True
        )
    assert not Membership.objects.filter(user=outsider).exists()


def test_joining_needs_the_ground_rules_accepted_and_a_constituency(
    project: Project, facilitator: User
) -> None:
    newcomer = UserFactory(email="new@example.org")
    token = _invite(project, facilitator, "new@example.org")
    with pytest.raises(RuleError, match="ground rules"):
        services.invitation_accept(
            actor=newcomer, token=token, constituency="carer", accepts_ground_rules=False
        )
    with pytest.raises(RuleError, match="which group"):
        services.invitation_accept(actor=newcomer, token=token, accepts_ground_rules=True)
    # Nothing half-written: the invitation is still usable.
    services.invitation_accept(
        actor=newcomer, token=token, constituency="carer", accepts_ground_rules=True
    )


def test_leaving_keeps_the_record_and_removes_the_rights(
    project: Project, carer_member: User
) -> None:
    from projects.permissions import can_view_project

    membership = Membership.objects.get(project=project, user=carer_member)
    services.membership_end(actor=carer_member, membership=membership)
    membership.refresh_from_db()
    assert membership.left_at is not None
    fresh = User.objects.get(pk=carer_member.pk)
    assert not can_view_project(fresh, project)
    assert "membership.left" in _actions(project)


def test_a_person_who_left_can_be_invited_back(
    project: Project, facilitator: User, carer_member: User
) -> None:
    membership = Membership.objects.get(project=project, user=carer_member)
    services.membership_end(actor=carer_member, membership=membership)
    join(project, carer_member, "member", "carer")
    assert Membership.objects.filter(project=project, user=carer_member).count() == 2


def test_the_last_facilitator_cannot_leave(project: Project, facilitator: User) -> None:
    membership = Membership.objects.get(project=project, user=facilitator)
    with pytest.raises(RuleError, match="at least one facilitator"):
        services.membership_end(actor=facilitator, membership=membership)


def test_the_audit_chain_of_a_project_is_intact(project: Project) -> None:
    from coproduce.audit.verify import verify_chain

    result = verify_chain(project.pk)
    assert result.intact
    assert result.events_checked == len(_actions(project)) > 5
