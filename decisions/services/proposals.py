"""Proposals and comments: writing, changing, withdrawing, moderating, combining
duplicates and carrying proposals forward into a later stage."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from decisions import notify as decisions_notify
from decisions import permissions
from decisions.models import Comment, Proposal
from decisions.services.with_help import _check_request
from participants.models import User
from projects.models import Stage


def _deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this here.")


def _locked_proposal(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("stage__project")
        .get(pk=proposal.pk)
    )


# --- Proposals ---------------------------------------------------------------------


def proposal_create(*, actor: User, stage: Stage, title: str, body: str) -> Proposal:
    _deny(permissions.can_propose(actor, stage))
    return _proposal_create(author=actor, stage=stage, title=title, body=body)


def proposal_create_with_help(
    *, actor: User, member: User, stage: Stage, title: str, body: str, how: str, member_asked: bool
) -> Proposal:
    """A facilitator adds a proposal for a member who asked them to. It is the member's
    proposal (they can change or withdraw it); the trail says who recorded it and how the
    member asked, and the member is told."""
    _deny(permissions.can_record_proposal_with_help(actor, stage))
    _check_request(how=how, member_asked=member_asked)
    if not permissions.can_propose(member, stage):
        raise RuleError(_("That person is not a member who can make proposals in this stage."))
    return _proposal_create(
        author=member, stage=stage, title=title, body=body, helper=actor, how=how
    )


def _proposal_create(
    *, author: User, stage: Stage, title: str, body: str, helper: User | None = None, how: str = ""
) -> Proposal:
    with transaction.atomic():
        locked_stage = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked_stage.state != Stage.State.OPEN:
            raise RuleError("This stage is not taking proposals now.")
        proposal = Proposal.objects.create(stage=stage, author=author, title=title, body=body)
        if helper is None:
            record(
                action="proposal.created",
                actor=author,
                project_id=stage.project_id,
                target=proposal,
                details={"stage": str(stage.pk)},
            )
        else:
            record(
                action="proposal.created_with_help",
                actor=helper,
                project_id=stage.project_id,
                target=proposal,
                details={"stage": str(stage.pk), "member": str(author.pk), "how": how},
            )
            decisions_notify.recorded_for_member(
                member=author,
                stage=stage,
                what=_("a proposal"),
                link=proposal.get_absolute_url(),
            )
    return proposal


def proposal_update(*, actor: User, proposal: Proposal, title: str, body: str) -> Proposal:
    _deny(permissions.can_change_proposal(actor, proposal))
    with transaction.atomic():
        locked = _locked_proposal(proposal)
        if not permissions.can_change_proposal(actor, locked):
            raise RuleError("Voting has opened, so this proposal can no longer change.")
        locked.title, locked.body, locked.edited_at = title, body, timezone.now()
        locked.save(update_fields=["title", "body", "edited_at"])
        record(
            action="proposal.edited",
            actor=actor,
            project_id=locked.stage.project_id,
            target=locked,
        )
    return locked


def proposal_withdraw(*, actor: User, proposal: Proposal) -> Proposal:
    _deny(permissions.can_change_proposal(actor, proposal))
    with transaction.atomic():
        locked = _locked_proposal(proposal)
        if not permissions.can_change_proposal(actor, locked):
            raise RuleError("Voting has opened, so this proposal can no longer change.")
        locked.status = Proposal.Status.WITHDRAWN
        locked.save(update_fields=["status"])
        record(
            action="proposal.withdrawn",
            actor=actor,
            project_id=locked.stage.project_id,
            target=locked,
        )
    return locked


def proposal_hide(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """Hide a proposal with a reason its author sees. It stays in the record."""
    _deny(permissions.can_moderate(actor, proposal.stage))
    if not reason.strip():
        raise RuleError("Give a reason. The author will see it.")
    with transaction.atomic():
        locked = _locked_proposal(proposal)
        if not permissions.can_hide_proposal(actor, locked):
            raise RuleError("Only an active proposal can be hidden, and only before voting opens.")
        locked.status, locked.moderation_reason = Proposal.Status.HIDDEN, reason.strip()
        locked.save(update_fields=["status", "moderation_reason"])
        # The reason is free text written by a facilitator: the trail keeps only that one was given.
        record(
            action="proposal.hidden",
            actor=actor,
            project_id=locked.stage.project_id,
            target=locked,
        )
        decisions_notify.proposal_hidden_notify(proposal=locked)
    return locked


def proposal_merge(
    *, actor: User, stage: Stage, proposals: list[Proposal], title: str, body: str, note: str
) -> Proposal:
    """Combine duplicates into one new proposal. The originals stay readable, linked to it."""
    _deny(permissions.can_merge(actor, stage))
    if len(proposals) < 2:
        raise RuleError("Choose at least two proposals to combine.")
    with transaction.atomic():
        locked_stage = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked_stage.voting_has_opened:
            raise RuleError("Voting has opened, so proposals can no longer be combined.")
        originals = list(
            Proposal.objects.select_for_update()
            .filter(pk__in=[proposal.pk for proposal in proposals], stage=stage)
            .order_by("created_at", "id")
        )
        if len(originals) != len(proposals) or any(
            original.status != Proposal.Status.ACTIVE for original in originals
        ):
            raise RuleError("Only active proposals of this stage can be combined.")
        merged = Proposal.objects.create(stage=stage, author=None, title=title, body=body)
        Proposal.objects.filter(pk__in=[original.pk for original in originals]).update(
            status=Proposal.Status.MERGED, merged_into=merged, merge_note=note.strip()
        )
        record(
            action="proposal.merged",
            actor=actor,
            project_id=stage.project_id,
            target=merged,
            details={"originals": [str(original.pk) for original in originals]},
        )
        decisions_notify.proposals_merged_notify(originals=originals, merged=merged, note=note)
    return merged


def proposals_carry_forward(
    *, actor: User, from_stage: Stage, to_stage: Stage, proposals: list[Proposal]
) -> list[Proposal]:
    """Start a later stage from a closed stage's proposals, keeping the link back."""
    _deny(permissions.can_carry_forward(actor, from_stage))
    if to_stage.project_id != from_stage.project_id or to_stage.position <= from_stage.position:
        raise RuleError("Proposals can only be carried into a later stage.")
    if not proposals:
        raise RuleError("Choose at least one proposal to carry forward.")
    with transaction.atomic():
        target = Stage.objects.select_for_update().get(pk=to_stage.pk)
        if not permissions.can_receive_carried_proposals(target):
            raise RuleError("That stage has started voting, so nothing can be added.")
        sources = list(
            Proposal.objects.filter(
                pk__in=[proposal.pk for proposal in proposals],
                stage=from_stage,
                status=Proposal.Status.ACTIVE,
            ).order_by("created_at", "id")
        )
        already = set(
            Proposal.objects.filter(stage=target, carried_from__in=sources).values_list(
                "carried_from_id", flat=True
            )
        )
        carried = [
            Proposal.objects.create(
                stage=target,
                author=source.author,
                title=source.title,
                body=source.body,
                carried_from=source,
            )
            for source in sources
            if source.pk not in already
        ]
        record(
            action="proposals.carried_forward",
            actor=actor,
            project_id=from_stage.project_id,
            target=target,
            details={
                "from_stage": str(from_stage.pk),
                "proposals": [str(proposal.carried_from_id) for proposal in carried],
            },
        )
    return carried


# --- Comments ----------------------------------------------------------------------


def comment_create(
    *, actor: User, proposal: Proposal, body: str, parent: Comment | None = None
) -> Comment:
    """Comment on a proposal, or reply to a comment (one level of replies)."""
    _deny(permissions.can_comment(actor, proposal))
    return _comment_create(author=actor, proposal=proposal, body=body, parent=parent)


def comment_create_with_help(
    *, actor: User, member: User, proposal: Proposal, body: str, how: str, member_asked: bool
) -> Comment:
    """A facilitator adds a comment for a member who asked them to: the member's comment,
    recorded with help (in the trail), and the member is told."""
    _deny(permissions.can_record_comment_with_help(actor, proposal))
    _check_request(how=how, member_asked=member_asked)
    if not permissions.can_comment(member, proposal):
        raise RuleError(_("That person is not a member who can comment here."))
    return _comment_create(author=member, proposal=proposal, body=body, helper=actor, how=how)


def _comment_create(
    *,
    author: User,
    proposal: Proposal,
    body: str,
    parent: Comment | None = None,
    helper: User | None = None,
    how: str = "",
) -> Comment:
    actor = author
    replied_to = parent  # the comment they answered, before joining its thread
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise RuleError("You can only reply to a comment on this proposal.")
        parent = parent.parent or parent  # replies to a reply join the same thread
    with transaction.atomic():
        comment = Comment.objects.create(proposal=proposal, parent=parent, author=actor, body=body)
        if helper is None:
            record(
                action="comment.created",
                actor=actor,
                project_id=proposal.stage.project_id,
                target=comment,
                details={"proposal": str(proposal.pk), "reply": parent is not None},
            )
        else:
            record(
                action="comment.created_with_help",
                actor=helper,
                project_id=proposal.stage.project_id,
                target=comment,
                details={"proposal": str(proposal.pk), "member": str(actor.pk), "how": how},
            )
            decisions_notify.recorded_for_member(
                member=actor,
                stage=proposal.stage,
                what=_("a comment"),
                link=f"{proposal.get_absolute_url()}#comments",
            )
        decisions_notify.reply_notify(comment=comment, replied_to=replied_to)
    return comment


def comment_update(*, actor: User, comment: Comment, body: str) -> Comment:
    _deny(permissions.can_change_comment(actor, comment))
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.body, locked.edited_at = body, timezone.now()
        locked.save(update_fields=["body", "edited_at"])
        record(
            action="comment.edited",
            actor=actor,
            project_id=comment.proposal.stage.project_id,
            target=locked,
        )
    return locked


def comment_delete(*, actor: User, comment: Comment) -> Comment:
    """Delete your own comment: its text goes, a note that it was deleted stays."""
    _deny(permissions.can_change_comment(actor, comment))
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.deleted_at = timezone.now()
        locked.body = ""
        locked.save(update_fields=["deleted_at", "body"])
        record(
            action="comment.deleted",
            actor=actor,
            project_id=comment.proposal.stage.project_id,
            target=locked,
        )
    return locked


def comment_hide(*, actor: User, comment: Comment, reason: str) -> Comment:
    _deny(permissions.can_moderate(actor, comment.proposal.stage))
    if not reason.strip():
        raise RuleError("Give a reason. The author will see it.")
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.hidden, locked.moderation_reason = True, reason.strip()
        locked.save(update_fields=["hidden", "moderation_reason"])
        record(
            action="comment.hidden",
            actor=actor,
            project_id=comment.proposal.stage.project_id,
            target=locked,
        )
    return locked
