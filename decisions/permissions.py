"""Who may propose, comment and vote in a stage, and do what with proposals and comments,
and when. One predicate per action.

The rights come from the project's role groups (projects.permissions); these add
what the stage's state, its vote and the proposal or comment itself allow.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from decisions.models import Comment, Proposal
from participants.models import User
from projects import permissions as project_permissions
from projects.models import ProjectRight, Stage

Person = User | AnonymousUser

_BEFORE_VOTING = (Stage.State.DRAFT, Stage.State.OPEN)


def _takes_proposals(stage: Stage) -> bool:
    """The stage's own rule for proposals now, whoever writes them."""
    return (
        project_permissions.is_active(stage.project)
        and stage.state == Stage.State.OPEN
        and stage.proposals_allowed
    )


def _takes_comments(stage: Stage) -> bool:
    """The stage's own rule for comments now, whoever writes them."""
    return project_permissions.is_active(stage.project) and (
        (stage.state == Stage.State.OPEN and stage.comments_allowed)
        or (stage.state == Stage.State.VOTING and stage.comments_allowed_during_voting)
    )


def _voting_open(stage: Stage) -> bool:
    """The stage's own rule for votes now, whoever records them."""
    return (
        project_permissions.is_active(stage.project)
        and stage.state == Stage.State.VOTING
        and stage.has_vote
    )


def can_propose(user: Person, stage: Stage) -> bool:
    return _takes_proposals(stage) and project_permissions.has_right(
        user, stage.project, ProjectRight.PROPOSE
    )


def can_comment_in_stage(user: Person, stage: Stage) -> bool:
    return _takes_comments(stage) and project_permissions.has_right(
        user, stage.project, ProjectRight.COMMENT
    )


def can_vote(user: Person, stage: Stage) -> bool:
    """Members vote while the stage's voting is open: one equal vote each."""
    return _voting_open(stage) and project_permissions.has_right(
        user, stage.project, ProjectRight.VOTE
    )


def can_record_vote_with_help(user: Person, stage: Stage) -> bool:
    """Facilitators record a vote for a member who asks (by phone, on paper, in a meeting)
    while voting is open; they never vote themselves."""
    return _voting_open(stage) and project_permissions.has_right(
        user, stage.project, ProjectRight.RECORD_WITH_HELP
    )


def can_record_proposal_with_help(user: Person, stage: Stage) -> bool:
    """Facilitators add a proposal for a member who asks, while the stage takes proposals."""
    return _takes_proposals(stage) and project_permissions.has_right(
        user, stage.project, ProjectRight.RECORD_WITH_HELP
    )


def can_record_comment_with_help(user: Person, proposal: Proposal) -> bool:
    """Facilitators add a comment for a member who asks, while the stage takes comments."""
    stage = proposal.stage
    return (
        proposal.status == Proposal.Status.ACTIVE
        and _takes_comments(stage)
        and project_permissions.has_right(user, stage.project, ProjectRight.RECORD_WITH_HELP)
    )


def can_print_ballot_paper(user: Person, stage: Stage) -> bool:
    """Facilitators print a stage's ballot paper for members who vote on paper, once the
    proposals are known (the stage is open) and until voting closes, while the project
    runs."""
    return (
        project_permissions.is_active(stage.project)
        and project_permissions.has_right(user, stage.project, ProjectRight.RECORD_WITH_HELP)
        and stage.has_vote
        and stage.state in (Stage.State.OPEN, Stage.State.VOTING)
    )


def can_change_voting_rules(user: Person, stage: Stage) -> bool:
    """Facilitators set the vote's rules until voting opens; then they are fixed."""
    return (
        project_permissions.can_configure_project(user, stage.project)
        and not stage.voting_has_opened
    )


def can_read_proposal_text(user: Person, proposal: Proposal) -> bool:
    """Everyone in the project reads an active or merged proposal; a withdrawn or hidden
    one only its author (who can see why it was hidden)."""
    return proposal.status in (Proposal.Status.ACTIVE, Proposal.Status.MERGED) or (
        user.is_authenticated and proposal.author_id == user.pk
    )


def can_change_proposal(user: Person, proposal: Proposal) -> bool:
    """Authors edit or withdraw their own active proposals until voting opens."""
    return (
        user.is_authenticated
        and proposal.author_id == user.pk
        and proposal.status == Proposal.Status.ACTIVE
        and proposal.stage.state == Stage.State.OPEN
        and can_propose(user, proposal.stage)
    )


def can_comment(user: Person, proposal: Proposal) -> bool:
    return proposal.status == Proposal.Status.ACTIVE and can_comment_in_stage(user, proposal.stage)


def can_change_comment(user: Person, comment: Comment) -> bool:
    """Authors edit or delete their own comments while commenting is open."""
    return (
        user.is_authenticated
        and comment.author_id == user.pk
        and comment.deleted_at is None
        and not comment.hidden
        and can_comment_in_stage(user, comment.proposal.stage)
    )


def can_moderate(user: Person, stage: Stage) -> bool:
    return project_permissions.can_moderate(user, stage.project)


def can_hide_proposal(user: Person, proposal: Proposal) -> bool:
    """Facilitators hide an active proposal before voting opens (the options are then fixed)."""
    return (
        can_moderate(user, proposal.stage)
        and proposal.status == Proposal.Status.ACTIVE
        and not proposal.stage.voting_has_opened
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
