"""A person's data rights: download everything held about them, and erase their account.

Both gather from every app, so they live in the site layer. The download's queries are
a fixed number, however much the person wrote (each table is read once).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coproduce.audit.forget import forget_names
from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record
from coproduce.text import spreadsheet_text
from decisions.models import Ballot, Comment, Participation, Proposal
from decisions.rules import voting_rules_for
from decisions.services import voter_key
from delivery.models import Action, ActionUpdate, DeliveryComment, Response
from evidence.models import PulseTaken, ReflectionAnswer
from meetings.models import Attendance, Reply
from meetings.services import replies_forget_needs
from participants.models import User
from participants.notifications.models import Notification, NotificationPreference
from participants.services import user_erase
from payments.models import Claim, PaymentChoice
from projects.erasure import invitations_forget_address, memberships_end_for_erased
from projects.models import Invitation, Membership, ProjectRoleGroup, Stage

README = """\
Your data from {site}
{rule}

This file was made on {made} (UTC) for the account {email}.
It holds everything the portal keeps about you, in two forms: JSON files (for other
software) and CSV files (open them in a spreadsheet). Times are in UTC.

  account.json              your account, email addresses, two-factor methods
                            (their kind and dates, never their secrets) and email choices
  memberships.csv / .json   the projects you are or were in, your role, your group,
                            and the role groups that carry your rights
  proposals.csv / .json     the proposals you wrote
  comments.csv / .json      the comments you wrote
  notifications.csv / .json what the portal told you
  invitations_received.*    invitations sent to your email address
  invitations_sent.*        invitations you sent to other people
  trail_entries.csv / .json the entries of the audit trail that record something you did
  delivery_responses.*      responses to recommendations you wrote (as a sponsor)
  delivery_actions.*        delivery actions you own or proposed
  delivery_updates.*        progress updates you posted on actions
  delivery_comments.*       comments you wrote on recommendations and actions
  votes_taken_part_in.*     the votes you took part in (that you voted and the day,
                            never what)
  meeting_replies.*         your replies to meetings, with what you told the
                            facilitators you need
  meetings_attended.*       the meetings you were recorded at, in person or online
  payment_choices.*         how you chose to be paid for taking part, in each project
  payment_claims.*          your claims for payment and expenses, and their status
  ballots_while_open.json   your own ballot in each vote that is still open
  reflections.csv / .json   your answers to the questions to reflect on that show
                            your name (anonymous answers hold no name: nobody can
                            find them again, so they are not here)
  pulses_answered.*         the pulses you answered (that you answered and the day,
                            never what: pulse answers hold no name)

About your ballots
------------------
Votes are secret. A ballot is stored without your name, under a code that only the
portal can work out from your account and the vote: that is how you can change your
ballot while the vote is open, and how your ballot in each vote still open is included
here. When a vote closes, its ballots are sealed: written again in a random order,
without the code and with nothing that points back to anyone. From then on nobody can
find which ballot was yours (not the portal, and not someone who looks after its
database), so ballots of closed votes are not in this file. Your vote is still counted
in the result, and votes_taken_part_in shows that you voted. While a vote is open,
someone who looks after the database could link your ballot to you; the portal's
docs/data-protection.md explains this.
{open_ballots_note}
"""


@dataclass(frozen=True)
class Table:
    """One kind of data, written as NAME.json and NAME.csv."""

    name: str
    columns: Sequence[str]
    rows: list[dict[str, Any]]


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _account(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "full_name": user.full_name,
        "time_zone": user.time_zone,
        "larger_text": user.larger_text,
        "reduced_motion": user.reduced_motion,
        "easy_read_first": user.easy_read_first,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "is_staff": user.is_staff,
        "email_addresses": [
            {"email": row.email, "verified": row.verified, "primary": row.primary}
            for row in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "two_factor_methods": [
            {
                "type": row.type,
                "created_at": _when(row.created_at),
                "last_used_at": _when(row.last_used_at),
            }
            for row in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "email_choices": {
            row.kind: row.delivery
            for row in NotificationPreference.objects.filter(user=user).order_by("kind")
        },
    }


def _memberships(user: User) -> Table:
    memberships = list(
        Membership.objects.filter(user=user).select_related("project").order_by("joined_at", "pk")
    )
    group_names: dict[tuple[Any, str], str] = {
        (row.project_id, row.role): row.group.name
        for row in ProjectRoleGroup.objects.filter(group__user=user).select_related("group")
    }
    rows = [
        {
            "project_id": str(row.project_id),
            "project": row.project.title,
            "role": row.role,
            "constituency": row.constituency,
            "show_constituency": row.show_constituency,
            "declaration_of_interests": row.declaration_of_interests,
            "joined_at": _when(row.joined_at),
            "left_at": _when(row.left_at),
            "role_group": group_names.get((row.project_id, row.role), "")
            if row.left_at is None
            else "",
        }
        for row in memberships
    ]
    return Table("memberships", list(rows[0]) if rows else ["project_id"], rows)


def _proposals(user: User) -> Table:
    columns = ["id", "project", "stage", "title", "body", "status", "created_at", "edited_at"]
    rows = [
        {
            "id": str(row.pk),
            "project": row.stage.project.title,
            "stage": row.stage.title,
            "title": row.title,
            "body": row.body,
            "status": row.status,
            "created_at": _when(row.created_at),
            "edited_at": _when(row.edited_at),
        }
        for row in Proposal.objects.filter(author=user)
        .select_related("stage__project")
        .order_by("created_at", "pk")
    ]
    return Table("proposals", columns, rows)


def _comments(user: User) -> Table:
    columns = ["id", "project", "proposal_id", "proposal", "body", "hidden", "deleted_at"]
    columns += ["created_at", "edited_at"]
    rows = [
        {
            "id": row.pk,
            "project": row.proposal.stage.project.title,
            "proposal_id": str(row.proposal_id),
            "proposal": row.proposal.title,
            "body": row.body,
            "hidden": row.hidden,
            "deleted_at": _when(row.deleted_at),
            "created_at": _when(row.created_at),
            "edited_at": _when(row.edited_at),
        }
        for row in Comment.objects.filter(author=user)
        .select_related("proposal__stage__project")
        .order_by("created_at", "pk")
    ]
    return Table("comments", columns, rows)


def _delivery_responses(user: User) -> Table:
    columns = ["recommendation", "version", "answer", "reasons", "next_steps", "written_at"]
    rows = [
        {
            "recommendation": row.recommendation.title,
            "version": row.version,
            "answer": row.answer,
            "reasons": row.reasons,
            "next_steps": row.next_steps,
            "written_at": _when(row.written_at),
        }
        for row in Response.objects.filter(written_by=user)
        .select_related("recommendation")
        .order_by("written_at", "pk")
    ]
    return Table("delivery_responses", columns, rows)


def _delivery_actions(user: User) -> Table:
    columns = ["id", "project", "title", "done_looks_like", "you_own_it", "you_proposed_it"]
    columns += ["due_on", "status", "drop_reason", "proposed_at"]
    rows = [
        {
            "id": str(row.pk),
            "project": row.recommendation.project.title,
            "title": row.title,
            "done_looks_like": row.done_looks_like,
            "you_own_it": row.owner_id == user.pk,
            "you_proposed_it": row.proposed_by_id == user.pk,
            "due_on": row.due_on.isoformat(),
            "status": row.status,
            "drop_reason": row.drop_reason,
            "proposed_at": _when(row.proposed_at),
        }
        for row in Action.objects.filter(Q(owner=user) | Q(proposed_by=user))
        .select_related("recommendation__project")
        .order_by("proposed_at", "pk")
    ]
    return Table("delivery_actions", columns, rows)


def _delivery_updates(user: User) -> Table:
    columns = ["action_id", "action", "text", "evidence_url", "written_at"]
    rows = [
        {
            "action_id": str(row.action_id),
            "action": row.action.title,
            "text": row.text,
            "evidence_url": row.evidence_url,
            "written_at": _when(row.written_at),
        }
        for row in ActionUpdate.objects.filter(author=user)
        .select_related("action")
        .order_by("written_at", "pk")
    ]
    return Table("delivery_updates", columns, rows)


def _delivery_comments(user: User) -> Table:
    columns = ["recommendation", "action", "body", "created_at"]
    rows = [
        {
            "recommendation": row.recommendation.title,
            "action": row.action.title if row.action else "",
            "body": row.body,
            "created_at": _when(row.created_at),
        }
        for row in DeliveryComment.objects.filter(author=user)
        .select_related("recommendation", "action")
        .order_by("created_at", "pk")
    ]
    return Table("delivery_comments", columns, rows)


def _notifications(user: User) -> Table:
    columns = ["kind", "subject", "body", "link", "created_at", "read_at", "emailed_at"]
    rows = [
        {
            "kind": row.kind,
            "subject": row.subject,
            "body": row.body,
            "link": row.link,
            "created_at": _when(row.created_at),
            "read_at": _when(row.read_at),
            "emailed_at": _when(row.emailed_at),
        }
        for row in Notification.objects.filter(recipient=user).order_by("created_at", "pk")
    ]
    return Table("notifications", columns, rows)


def _invitations(queryset: Iterable[Invitation], name: str) -> Table:
    columns = ["project", "email", "role", "invited_by", "created_at", "expires_at"]
    columns += ["accepted_at", "revoked_at", "status"]
    rows = [
        {
            "project": row.project.title,
            "email": row.email,
            "role": row.role,
            "invited_by": row.invited_by.display_name,
            "created_at": _when(row.created_at),
            "expires_at": _when(row.expires_at),
            "accepted_at": _when(row.accepted_at),
            "revoked_at": _when(row.revoked_at),
            "status": row.status,
        }
        for row in queryset
    ]
    return Table(name, columns, rows)


def _trail(user: User) -> Table:
    columns = ["project_id", "position", "action", "object_type", "object_id", "details"]
    columns += ["created_at", "hash"]
    rows = [
        {
            "project_id": str(row.project_id) if row.project_id else "",
            "position": row.sequence,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "details": row.details,
            "created_at": _when(row.created_at),
            "hash": row.hash,
        }
        for row in AuditEvent.objects.filter(actor_id=user.pk).order_by("created_at", "pk")
    ]
    return Table("trail_entries", columns, rows)


def _participation(user: User) -> Table:
    columns = ["project", "stage", "voted_on", "recorded_with_help"]
    rows = [
        {
            "project": row.stage.project.title,
            "stage": row.stage.title,
            "voted_on": row.voted_on.isoformat(),
            "recorded_with_help": row.with_help,
        }
        for row in Participation.objects.filter(user=user)
        .select_related("stage__project")
        .order_by("voted_on", "pk")
    ]
    return Table("votes_taken_part_in", columns, rows)


def _reflections(user: User) -> Table:
    columns = ["project", "stage", "question", "answer", "written_on", "hidden", "reason"]
    rows = [
        {
            "project": row.stage.project.title,
            "stage": row.stage.title,
            "question": row.question,
            "answer": row.body,
            "written_on": row.written_on.isoformat(),
            "hidden": row.hidden,
            "reason": row.moderation_reason,
        }
        for row in ReflectionAnswer.objects.filter(author=user)
        .select_related("stage__project")
        .order_by("written_on", "pk")
    ]
    return Table("reflections", columns, rows)


def _pulses_answered(user: User) -> Table:
    columns = ["project", "stage", "answered_on"]
    rows = [
        {
            "project": row.pulse.stage.project.title,
            "stage": row.pulse.stage.title,
            "answered_on": row.answered_on.isoformat(),
        }
        for row in PulseTaken.objects.filter(user=user)
        .select_related("pulse__stage__project")
        .order_by("answered_on", "pk")
    ]
    return Table("pulses_answered", columns, rows)


def _open_ballots(user: User) -> list[dict[str, Any]]:
    """The person's own ballots in votes still open, found by the keyed hash."""
    stages = list(
        Stage.objects.filter(state=Stage.State.VOTING, project__memberships__user=user)
        .select_related("project", "voting_rules")
        .distinct()
    )
    keys = {voter_key(user, stage): stage for stage in stages}
    if not keys:
        return []
    found = Ballot.objects.filter(stage__in=stages, voter_key__in=list(keys))
    return [
        {
            "project": keys[ballot.voter_key].project.title,
            "stage": keys[ballot.voter_key].title,
            "voting_method": voting_rules_for(keys[ballot.voter_key]).voting_method,
            "constituency": ballot.constituency,
            "content": ballot.content,
        }
        for ballot in found
        if ballot.stage_id == keys[ballot.voter_key].pk
    ]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True)
    # A spreadsheet must not run what a person typed as a formula.
    return spreadsheet_text(str(value))


def _csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(column)) for column in table.columns])
    return out.getvalue()


def _meeting_replies(user: User) -> Table:
    columns = ["project", "meeting", "starts_at", "coming", "needs", "updated_at"]
    rows = [
        {
            "project": row.meeting.project.title,
            "meeting": row.meeting.title,
            "starts_at": _when(row.meeting.starts_at),
            "coming": row.coming,
            "needs": row.needs,
            "updated_at": _when(row.updated_at),
        }
        for row in Reply.objects.filter(user=user)
        .select_related("meeting__project")
        .order_by("meeting__starts_at", "pk")
    ]
    return Table("meeting_replies", columns, rows)


def _meetings_attended(user: User) -> Table:
    columns = ["project", "meeting", "starts_at", "mode", "recorded_at"]
    rows = [
        {
            "project": row.meeting.project.title,
            "meeting": row.meeting.title,
            "starts_at": _when(row.meeting.starts_at),
            "mode": row.mode,
            "recorded_at": _when(row.recorded_at),
        }
        for row in Attendance.objects.filter(user=user)
        .select_related("meeting__project")
        .order_by("meeting__starts_at", "pk")
    ]
    return Table("meetings_attended", columns, rows)


def _payment_choices(user: User) -> Table:
    columns = ["project", "choice", "updated_at"]
    rows = [
        {"project": row.project.title, "choice": row.choice, "updated_at": _when(row.updated_at)}
        for row in PaymentChoice.objects.filter(user=user).select_related("project").order_by("pk")
    ]
    return Table("payment_choices", columns, rows)


def _payment_claims(user: User) -> Table:
    columns = ["project", "on", "kind", "description", "amount", "status", "review_reason"]
    columns += ["created_at", "reviewed_at"]
    rows = [
        {
            "project": row.project.title,
            "on": row.on.isoformat(),
            "kind": row.kind,
            "description": row.description,
            "amount": f"{row.amount:.2f}",
            "status": row.status,
            "review_reason": row.review_reason,
            "created_at": _when(row.created_at),
            "reviewed_at": _when(row.reviewed_at),
        }
        for row in Claim.objects.filter(claimant=user)
        .select_related("project")
        .order_by("on", "pk")
    ]
    return Table("payment_claims", columns, rows)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def personal_data_zip(*, user: User, site_name: str) -> bytes:
    """Everything held about the person, as a zip of JSON and CSV files, with a README."""
    invitations = Invitation.objects.select_related("project", "invited_by").order_by(
        "created_at", "pk"
    )
    tables = [
        _memberships(user),
        _proposals(user),
        _comments(user),
        _delivery_responses(user),
        _delivery_actions(user),
        _delivery_updates(user),
        _delivery_comments(user),
        _notifications(user),
        _invitations(invitations.filter(email__iexact=user.email), "invitations_received"),
        _invitations(invitations.filter(invited_by=user), "invitations_sent"),
        _trail(user),
        _participation(user),
        _reflections(user),
        _pulses_answered(user),
        _meeting_replies(user),
        _meetings_attended(user),
        _payment_choices(user),
        _payment_claims(user),
    ]
    ballots = _open_ballots(user)
    made = timezone.now()
    note = (
        f"This file includes your ballot in {len(ballots)} vote(s) still open."
        if ballots
        else "You have no ballot in a vote that is still open."
    )
    title = f"Your data from {site_name}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(
                site=site_name,
                rule="=" * len(title),
                made=made.strftime("%Y-%m-%d %H:%M"),
                email=user.email,
                open_ballots_note=note,
            ),
        )
        archive.writestr("account.json", _json(_account(user)))
        for table in tables:
            archive.writestr(f"{table.name}.json", _json(table.rows))
            archive.writestr(f"{table.name}.csv", _csv(table))
        archive.writestr("ballots_while_open.json", _json(ballots))
    return buffer.getvalue()


def personal_data_download(*, user: User, site_name: str) -> bytes:
    """Make the person's download and record, in the site-wide trail, that it was made."""
    with transaction.atomic():
        content = personal_data_zip(user=user, site_name=site_name)
        record(action="account.data_downloaded", actor=user, details={})
    return content


def account_erase(*, actor: User, user: User) -> User:
    """Erase an account and end its memberships, in one transaction.

    The person becomes "Former member N" (participants), leaves every project, each
    recorded in that project's trail (projects), and invitations sent to their address
    keep a placeholder instead. What they wrote, their participation and ballots stay:
    decisions and counts do not change. What they told facilitators they need to take
    part in meetings is removed (their replies and claims stay, as records of the
    meetings and of money paid).

    The trail entries that name them (as who did it, or as who joined, left or was
    marked paid staff) name them "Former member N" from then on, their salt removed
    (`coproduce.audit.forget`): all but those recorded before the trail's format 2,
    whose hash covers the name.
    """
    with transaction.atomic():
        former_email = User.objects.select_for_update().get(pk=user.pk).email
        erased = user_erase(actor=actor, user=user)
        memberships_end_for_erased(person=erased)
        forget_names(
            person_id=erased.pk,
            membership_ids=Membership.objects.filter(user=erased).values_list("pk", flat=True),
            label=erased.display_name,
        )
        invitations_forget_address(email=former_email, placeholder=erased.email)
        replies_forget_needs(person=erased)
    return erased
