"""Every write about projects. Each runs in one transaction, takes the acting person,
checks the rule, writes, and records the audit event."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from guardian.shortcuts import assign_perm

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from participants.models import User
from participants.notifications.models import Kind as NotificationKind
from participants.notifications.services import local_when, notifications_withdraw, notify
from projects import permissions, selectors
from projects.models import (
    ROLE_RIGHTS,
    Invitation,
    Membership,
    Project,
    ProjectRoleGroup,
    Role,
    Stage,
    reminder_hours_normalised,
)
from projects.stage_templates import STANDARD_STAGES


def _deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this in this project.")


def _changes(instance: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    changed = {}
    for name, value in values.items():
        before = getattr(instance, name)
        if before != value:
            changed[name] = [before, value]
    return changed


# --- Projects -------------------------------------------------------------------


def project_create(
    *, actor: User, title: str, purpose: str, easy_read_summary: str = "", ground_rules: str
) -> Project:
    """Create a project with its role groups, the standard stages and its creator as facilitator."""
    _deny(permissions.can_create_project(actor))
    with transaction.atomic():
        project = Project.objects.create(
            title=title,
            purpose=purpose,
            easy_read_summary=easy_read_summary,
            ground_rules=ground_rules,
            created_by=actor,
        )
        for role, rights in ROLE_RIGHTS.items():
            group = Group.objects.create(name=f"project {project.pk} {role}")
            ProjectRoleGroup.objects.create(project=project, role=role, group=group)
            for right in rights:
                assign_perm(f"projects.{right}", group, project)
        for position, template in enumerate(STANDARD_STAGES, start=1):
            Stage.objects.create(
                project=project,
                position=position,
                kind=template.kind,
                title=str(template.title),
                description=str(template.description),
                reflective_questions="\n".join(str(question) for question in template.questions),
                voting_method=template.voting_method,
            )
        record(
            action="project.created",
            actor=actor,
            project_id=project.pk,
            target=project,
            details={"stages": len(STANDARD_STAGES)},
        )
        _membership_start(actor=actor, project=project, user=actor, role=Role.FACILITATOR)
    permissions.forget_project_rights(actor)
    return project


def project_update(*, actor: User, project: Project, **values: Any) -> Project:
    """Change a project's texts or status; the trail keeps what changed."""
    _deny(permissions.can_configure_project(actor, project))
    allowed = {"title", "purpose", "easy_read_summary", "ground_rules", "status"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} here.")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        changed = _changes(project, values)
        if not changed:
            return project
        for name, (_before, after) in changed.items():
            setattr(project, name, after)
        project.save(update_fields=list(changed))
        record(
            action="project.updated",
            actor=actor,
            project_id=project.pk,
            target=project,
            details={"changed": sorted(changed), "status": changed.get("status")},
        )
    return project


# --- Stages ---------------------------------------------------------------------

STAGE_TEXT_FIELDS = {"kind", "title", "description", "reflective_questions"}
STAGE_SCHEDULE_FIELDS = {"opens_at", "voting_opens_at", "closes_at"}
STAGE_ALLOWANCE_FIELDS = {"proposals_allowed", "comments_allowed", "comments_allowed_during_voting"}
STAGE_VOTING_FIELDS = {
    "voting_method",
    "counting",
    "dots_per_member",
    "dots_can_stack",
    "max_ranks",
    "consent_threshold_percent",
    "scoring_in_percent",
    "scoring_out_percent",
    "agreement_in_every_constituency",
    "open_ballot",
    "live_results",
    "smallest_group_shown",
    "quorum_percent",
    "quorum_per_constituency_percent",
}
STAGE_REMINDER_FIELDS = {"reminder_hours"}
STAGE_FIELDS = (
    STAGE_TEXT_FIELDS
    | STAGE_SCHEDULE_FIELDS
    | STAGE_ALLOWANCE_FIELDS
    | STAGE_VOTING_FIELDS
    | STAGE_REMINDER_FIELDS
)


def _reminder_hours_clean(hours: Iterable[int]) -> list[int]:
    try:
        return reminder_hours_normalised(hours)
    except ValidationError as error:
        raise RuleError(" ".join(error.messages)) from error


def _check_dates(values: dict[str, Any]) -> None:
    opens: datetime | None = values.get("opens_at")
    voting: datetime | None = values.get("voting_opens_at")
    closes: datetime | None = values.get("closes_at")
    ordered = [moment for moment in (opens, voting, closes) if moment is not None]
    if ordered != sorted(ordered):
        raise RuleError(
            "The dates must be in order: the stage opens, then voting opens, then it closes."
        )


def stage_create(*, actor: User, project: Project, **values: Any) -> Stage:
    """Add a stage at the end of the project's timeline."""
    _deny(permissions.can_configure_project(actor, project))
    unknown = set(values) - STAGE_FIELDS
    if unknown:
        raise ValueError(f"Unknown stage fields {sorted(unknown)}.")
    _check_dates(values)
    if "reminder_hours" in values:
        values["reminder_hours"] = _reminder_hours_clean(values["reminder_hours"])
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        last = project.stages.aggregate(last=Max("position"))["last"] or 0
        stage = Stage.objects.create(project=project, position=last + 1, **values)
        record(
            action="stage.created",
            actor=actor,
            project_id=project.pk,
            target=stage,
            details={"title": stage.title, "position": stage.position},
        )
    return stage


def stage_update(*, actor: User, stage: Stage, **values: Any) -> Stage:
    """Change a stage's settings. Its voting rules are fixed once voting has opened."""
    _deny(permissions.can_configure_project(actor, stage.project))
    unknown = set(values) - STAGE_FIELDS
    if unknown:
        raise ValueError(f"Unknown stage fields {sorted(unknown)}.")
    if "reminder_hours" in values:
        values["reminder_hours"] = _reminder_hours_clean(values["reminder_hours"])
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        changed = _changes(locked, values)
        if locked.voting_rules_locked and (set(changed) & STAGE_VOTING_FIELDS):
            raise RuleError(
                "Voting has opened in this stage, so its voting rules can no longer be changed."
            )
        if locked.voting_rules_locked and "voting_opens_at" in changed:
            raise RuleError("Voting has already opened, so its start cannot be moved.")
        _check_dates(
            {name: values.get(name, getattr(locked, name)) for name in STAGE_SCHEDULE_FIELDS}
        )
        if not changed:
            return locked
        for name, (_before, after) in changed.items():
            setattr(locked, name, after)
        locked.save(update_fields=list(changed))
        record(
            action="stage.updated",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={
                name: [str(before), str(after)]
                for name, (before, after) in changed.items()
                if name not in {"description", "reflective_questions"}
            }
            | {"texts_changed": sorted(set(changed) & {"description", "reflective_questions"})},
        )
    return locked


def stage_delete(*, actor: User, stage: Stage) -> None:
    """Remove a stage that has not started; the later stages move up."""
    _deny(permissions.can_configure_project(actor, stage.project))
    with transaction.atomic():
        locked = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked.state != Stage.State.DRAFT:
            raise RuleError("Only a stage that has not started can be removed.")
        project_id, position, title = locked.project_id, locked.position, locked.title
        locked.delete()
        Stage.objects.filter(project_id=project_id, position__gt=position).update(
            position=F("position") - 1
        )
        record(
            action="stage.deleted",
            actor=actor,
            project_id=project_id,
            details={"title": title, "position": position},
        )


def stage_move(*, actor: User, stage: Stage, direction: int) -> Stage:
    """Swap a stage with the one before (direction -1) or after (+1) it."""
    _deny(permissions.can_configure_project(actor, stage.project))
    if direction not in (-1, 1):
        raise ValueError("direction is -1 or 1")
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=stage.project_id)
        locked = Stage.objects.get(pk=stage.pk)
        neighbour = Stage.objects.filter(
            project_id=locked.project_id, position=locked.position + direction
        ).first()
        if neighbour is None:
            return locked
        # The unique (project, position) constraint is deferred to the end of the transaction.
        locked.position, neighbour.position = neighbour.position, locked.position
        locked.save(update_fields=["position"])
        neighbour.save(update_fields=["position"])
        record(
            action="stage.moved",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"position": locked.position},
        )
    return locked


STAGE_TRANSITIONS: dict[str, tuple[str, str]] = {
    # target state: (the state it comes from, the audit action)
    Stage.State.OPEN: (Stage.State.DRAFT, "stage.opened"),
    Stage.State.VOTING: (Stage.State.OPEN, "stage.voting_opened"),
    Stage.State.CLOSED: (Stage.State.VOTING, "stage.closed"),
}


def _stage_news_notify(stage: Stage) -> None:
    """Tell the project's current members that a stage, or its vote, has opened."""
    members = [
        membership.user
        for membership in Membership.objects.filter(
            project_id=stage.project_id, role=Role.MEMBER, left_at__isnull=True
        ).select_related("user")
    ]
    words = {"stage": stage.title, "project": stage.project.title}
    link = reverse("projects:stage", kwargs={"project_id": stage.project_id, "stage_id": stage.pk})
    if stage.state == Stage.State.OPEN:
        notify(
            recipients=members,
            kind=NotificationKind.STAGE_OPENED,
            key=f"stage_opened:{stage.pk}",
            subject=gettext("A new stage has opened"),
            body=gettext('The stage "%(stage)s" of the project "%(project)s" has opened.') % words,
            link=link,
        )
    elif stage.state == Stage.State.VOTING:
        notify(
            recipients=members,
            kind=NotificationKind.VOTING_OPENED,
            key=f"voting_opened:{stage.pk}",
            subject=gettext("Voting has opened"),
            body=gettext(
                'Voting has opened in "%(stage)s" of the project "%(project)s". '
                "Every member has one equal vote, and votes are secret."
            )
            % words,
            link=link,
            deadline=stage.closes_at,
        )


def stage_transition(
    *,
    actor: User | None,
    stage: Stage,
    to_state: str,
    on_voting_closed: Callable[[Stage], None] | None = None,
) -> Stage:
    """Move a stage one step along draft -> open -> voting -> closed.

    A stage without a vote goes from open straight to closed. `actor` None is the
    scheduler. Running it twice does no harm: the second run finds the state moved.
    Closing a vote needs `on_voting_closed` (decisions' record of the result), which
    runs in the same transaction: projects do not know how votes are counted.
    """
    if actor is not None:
        _deny(permissions.can_configure_project(actor, stage.project))
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        if locked.state == to_state:
            return locked
        allowed_from = {STAGE_TRANSITIONS[to_state][0]} if to_state in STAGE_TRANSITIONS else set()
        if to_state == Stage.State.CLOSED and locked.voting_method == Stage.VotingMethod.NONE:
            allowed_from.add(Stage.State.OPEN)
        if locked.state not in allowed_from:
            raise RuleError(
                f"This stage is {locked.get_state_display().lower()}: it cannot move to "
                f"{Stage.State(to_state).label.lower()} from here."
            )
        if locked.project.status != Project.Status.ACTIVE:
            raise RuleError("This project is not active, so its stages cannot move.")
        closing_a_vote = locked.state == Stage.State.VOTING and to_state == Stage.State.CLOSED
        if closing_a_vote and on_voting_closed is None:
            raise RuleError("Close voting from the stage's voting page, so the result is recorded.")
        before = locked.state
        locked.state = to_state
        changed = ["state"]
        if to_state == Stage.State.VOTING:
            locked.voting_opened_at = timezone.now()
            changed.append("voting_opened_at")
        locked.save(update_fields=changed)
        if closing_a_vote:
            on_voting_closed(locked)
        action = STAGE_TRANSITIONS[to_state][1]
        record(
            action=action,
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"from": before, "to": to_state, "title": locked.title},
        )
        if to_state in (Stage.State.OPEN, Stage.State.VOTING):
            _stage_news_notify(locked)
    return locked


# --- Memberships ----------------------------------------------------------------


def _role_group(project: Project, role: str) -> Group:
    return ProjectRoleGroup.objects.select_related("group").get(project=project, role=role).group


def _membership_start(
    *,
    actor: User,
    project: Project,
    user: User,
    role: str,
    constituency: str = "",
    show_constituency: bool = False,
    declaration_of_interests: str = "",
) -> Membership:
    if role == Role.MEMBER and not constituency:
        raise RuleError("Choose which group you are in.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                project=project,
                user=user,
                role=role,
                constituency=constituency if role == Role.MEMBER else "",
                show_constituency=show_constituency if role == Role.MEMBER else False,
                declaration_of_interests=declaration_of_interests,
            )
    except IntegrityError:
        raise RuleError("You are already in this project.") from None
    user.groups.add(_role_group(project, role))
    permissions.forget_project_rights(user)
    record(
        action="membership.started",
        actor=actor,
        project_id=project.pk,
        target=membership,
        details={"role": role, "person": user.display_name},
    )
    return membership


def membership_end(*, actor: User, membership: Membership) -> Membership:
    """End a membership: the person leaves (or a facilitator removes them).

    What they wrote stays, shown under their display name.
    """
    leaving_themselves = actor.pk == membership.user_id
    if not leaving_themselves:
        _deny(permissions.can_configure_project(actor, membership.project))
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("project", "user")
            .get(pk=membership.pk)
        )
        if locked.left_at is not None:
            return locked
        if locked.role == Role.FACILITATOR:
            others = Membership.objects.filter(
                project_id=locked.project_id, role=Role.FACILITATOR, left_at__isnull=True
            ).exclude(pk=locked.pk)
            if not others.exists():
                raise RuleError(
                    "A project needs at least one facilitator. Invite another facilitator first."
                )
        locked.left_at = timezone.now()
        locked.save(update_fields=["left_at"])
        locked.user.groups.remove(_role_group(locked.project, locked.role))
        permissions.forget_project_rights(locked.user)
        record(
            action="membership.left" if leaving_themselves else "membership.removed",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"role": locked.role, "person": locked.user.display_name},
        )
    return locked


# --- Invitations ----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, actor: User, project: Project, email: str, role: str, suggested_constituency: str = ""
) -> tuple[Invitation, str]:
    """Invite someone by email; return the invitation and its secret token (for the link)."""
    _deny(permissions.can_invite(actor, project))
    email = email.strip()
    if Membership.objects.filter(
        project=project, user__email__iexact=email, left_at__isnull=True
    ).exists():
        raise RuleError("This person is already in the project.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            project=project,
            email=email,
            role=role,
            suggested_constituency=suggested_constituency if role == Role.MEMBER else "",
            token_hash=_token_hash(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=Invitation.VALID_FOR_DAYS),
        )
        record(
            action="invitation.sent",
            actor=actor,
            project_id=project.pk,
            target=invitation,
            details={"role": role},
        )
        invitee = _account_for_email(email)
        if invitee is not None:
            _invited_notify(invitation, invitee)
        else:
            from projects.tasks import invitation_email_send

            transaction.on_commit(lambda: invitation_email_send.delay(str(invitation.pk), token))
    return invitation, token


def _account_for_email(email: str) -> User | None:
    """The active account that owns this address (as its sign-in or a verified address)."""
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        address = (
            EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True)
            .select_related("user")
            .first()
        )
        user = address.user if address else None
    return user


def _invited_notify(invitation: Invitation, invitee: User) -> None:
    """Someone who already has an account hears of the invitation like any other news:
    on their Notifications page and their home page, and by email as they chose."""
    role_words = {
        Role.MEMBER: gettext(
            "Members suggest ideas, comment and vote. Every member has one equal vote, "
            "and votes are secret."
        ),
        Role.FACILITATOR: gettext("Facilitators set up and run the project. They do not vote."),
        Role.OBSERVER: gettext(
            "Observers can read everything in the project. They do not take part or vote."
        ),
    }
    notify(
        recipients=[invitee],
        kind=NotificationKind.INVITED,
        key=f"invited:{invitation.pk}",
        subject=gettext('You are invited to join "%(project)s"')
        % {"project": invitation.project.title},
        body=gettext(
            '%(inviter)s has invited you to join the project "%(project)s" as %(role)s. '
            '%(role_words)s\n\nTo join, open the link, or go to "Invitations for you" '
            "on your home page. The invitation works until %(until)s. If you do not want "
            "to join, you do not need to do anything."
        )
        % {
            "inviter": invitation.invited_by.display_name,
            "project": invitation.project.title,
            "role": {
                Role.MEMBER: gettext("a member"),
                Role.FACILITATOR: gettext("a facilitator"),
                Role.OBSERVER: gettext("an observer"),
            }[invitation.role],
            "role_words": role_words[invitation.role],
            "until": local_when(invitation.expires_at, invitee),
        },
        link=reverse("projects:invitation_for_you", kwargs={"invitation_id": invitation.pk}),
    )


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    _deny(permissions.can_invite(actor, invitation.project))
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise RuleError("This invitation has already been accepted.")
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        invitee = _account_for_email(locked.email)
        if invitee is not None:
            notifications_withdraw(keys=[f"invited:{locked.pk}:{invitee.pk}"])
        record(
            action="invitation.revoked",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"role": locked.role},
        )
    return locked


def invitation_for_token(token: str) -> Invitation | None:
    """Find the invitation a link's token belongs to (any status), or None."""
    return (
        Invitation.objects.select_related("project", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )


def invitation_problem(invitation: Invitation, user: User | None) -> str | None:
    """Say, kindly, why this invitation cannot be accepted by this person now, or None."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn by the project's facilitator."
    if invitation.expires_at <= timezone.now():
        return "This invitation has expired. Ask the facilitator to send you a new one."
    if invitation.project.status != Project.Status.ACTIVE:
        return "This project is no longer taking new people."
    if (
        user is not None
        and user.is_authenticated
        and not selectors.owns_email(user, invitation.email)
    ):
        return "wrong_account"
    return None


def invitation_accept(
    *,
    actor: User,
    token: str = "",
    invitation_id: object = None,
    constituency: str = "",
    show_constituency: bool = False,
    declaration_of_interests: str = "",
    accepts_ground_rules: bool,
) -> Membership:
    """Join the project through an invitation: single use, for the invited account only.

    The invitation is found by the link's token, or by its id for a person signed in
    with the address it was sent to (from their home page or notifications).
    """
    if not accepts_ground_rules:
        raise RuleError("To join, read the ground rules and tick the box to accept them.")
    with transaction.atomic():
        found = (
            invitation_for_token(token)
            if token
            else Invitation.objects.filter(pk=invitation_id).first()
            if invitation_id
            else None
        )
        if found is None:
            raise RuleError("This invitation link is not valid.")
        invitation = (
            Invitation.objects.select_for_update().select_related("project").get(pk=found.pk)
        )
        problem = invitation_problem(invitation, actor)
        if problem == "wrong_account":
            raise RuleError(
                "This invitation was sent to a different email address than the one you are "
                "signed in with."
            )
        if problem:
            raise RuleError(problem)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = actor
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        notifications_withdraw(keys=[f"invited:{invitation.pk}:{actor.pk}"])
        record(
            action="invitation.accepted",
            actor=actor,
            project_id=invitation.project_id,
            target=invitation,
            details={"role": invitation.role},
        )
        membership = _membership_start(
            actor=actor,
            project=invitation.project,
            user=actor,
            role=invitation.role,
            constituency=constituency,
            show_constituency=show_constituency,
            declaration_of_interests=declaration_of_interests,
        )
    return membership
