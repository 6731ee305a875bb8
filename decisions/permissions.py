"""Who may do what with proposals and comments, and when. One predicate per action.

The rights come from projects.permissions (role groups and the stage's state);
these add what depends on the proposal or comment itself.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from decisions.models import Comment, Proposal
from participants.models import User
from projects import permissions as project_permissions
from projects.models import Stage

Person = User | AnonymousUser

_BEFORE_VOTING = (Stage.State.DRAFT, Stage.State.OPEN)


def can_propose(user: Person, stage: Stage) -> bool:
    return project_permissions.can_propose(user, stage)


def can_change_proposal(user: Person, proposal: Proposal) -> bool:
    """Authors edit or withdraw their own active proposals until voting opens."""
    return (
        user.is_authenticated
        and proposal.author_id == user.pk
        and proposal.status == Proposal.Status.ACTIVE
        and proposal.stage.state == Stage.State.OPEN
        and project_permissions.can_propose(user, proposal.stage)
    )


def can_comment(user: Person, proposal: Proposal) -> bool:
    return proposal.status == Proposal.Status.ACTIVE and project_permissions.can_comment(
        user, proposal.stage
    )


def can_change_comment(user: Person, comment: Comment) -> bool:
    """Authors edit or delete their own comments while commenting is open."""
    return (
        user.is_authenticated
        and comment.author_id == user.pk
        and comment.deleted_at is None
        and not comment.hidden
        and project_permissions.can_comment(user, comment.proposal.stage)
    )


def can_moderate(user: Person, stage: Stage) -> bool:
    return project_permissions.can_moderate(user, stage.project)


def can_hide_proposal(user: Person, proposal: Proposal) -> bool:
    """Facilitators hide an active proposal before voting opens (the options are then fixed)."""
    return (
        can_moderate(user, proposal.stage)
        and proposal.status == Proposal.Status.ACTIVE
        and not proposal.stage.voting_rules_locked
    )


def can_merge(user: Person, stage: Stage) -> bool:
    """Duplicates are merged before voting opens, never after."""
    return can_moderate(user, stage) and stage.state in _BEFORE_VOTING


def can_carry_forward(user: Person, from_stage: Stage) -> bool:
    """A closed stage's outcome can start the next stage."""
    return (
        project_permissions.can_configure_project(user, from_stage.project)
        and from_stage.state == Stage.State.CLOSED
    )


def can_receive_carried_proposals(stage: Stage) -> bool:
    return stage.state in _BEFORE_VOTING
