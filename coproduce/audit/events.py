"""The one registry of audit event types: what may be written to the trail.

Each type has its name (what `record(action=...)` writes), the plain-language
sentence the trail shows for it, and who may see it. `record()` refuses a name that
is not here; the trail's describer takes its sentences from here; the completeness
test checks that every service writes only names from here.

Data only: this module imports no app. Sentences are marked for translation and
translated where they are shown. Placeholders the describer fills: %(actor)s (who
did it), %(stage)s (the stage, linked), %(person)s, %(role)s, %(fields)s,
%(position)s, %(kind)s, %(format)s, %(count)s, and for delivery %(before)s,
%(after)s (a status or date before and after a change) and %(answer)s.

To add an event type: add one entry below (a sentence people understand without
knowing the portal's insides), then call `record(action="<name>", ...)` in the
service that does the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def N_(message: str) -> str:
    """Mark a sentence for translation (like gettext_noop, without needing settings)."""
    return message


class Audience(StrEnum):
    """Who may see events of a type in the portal's pages."""

    # Everyone in the project: the members' history (without names) and the full trail.
    MEMBERS = "members"
    # Those who read the full trail: the project's facilitators, observers and sponsors.
    TRAIL_READERS = "trail_readers"
    # The project's facilitators only: what a member shares with the people who run the
    # project and nobody else (how they chose to be paid, their claims and amounts).
    # Observers and sponsors never see these entries, on the trail's page or in exports.
    FACILITATORS = "facilitators"
    # Nobody one by one: shown only as a count of members for each day (secret ballots).
    COUNTS_ONLY = "counts_only"
    # Site-wide events (no project): the administrators, through `audit_verify` and exports.
    ADMINISTRATORS = "administrators"


@dataclass(frozen=True)
class EventType:
    name: str
    sentence: str  # the trail's line; for COUNTS_ONLY the line for one member
    seen_by: Audience
    label: str = ""  # its name in the trail's filter ("Stage opened"); "" when not offered
    member_sentence: str = ""  # the members' history line (never a name), for MEMBERS
    plural: str = ""  # for COUNTS_ONLY: the line for several members
    # Written with nothing that leads to who did it: no person (`record()` refuses one)
    # and no request id (which the server's logs could tie to a sign-in).
    anonymous: bool = False


class UnknownEventType(ValueError):
    """`record()` was asked to write an event type that is not in the registry."""


_M = Audience.MEMBERS
_T = Audience.TRAIL_READERS
_F = Audience.FACILITATORS
_A = Audience.ADMINISTRATORS

_TYPES = (
    # The project
    EventType(
        "project.created",
        N_("Project started by %(actor)s"),
        _M,
        N_("Project started"),
        N_("The project started"),
    ),
    EventType(
        "project.updated",
        N_("Project details changed by %(actor)s (%(fields)s)"),
        _M,
        N_("Project details changed"),
        N_("The project's details were updated"),
    ),
    # Stages
    EventType(
        "stage.created",
        N_("Stage '%(stage)s' added by %(actor)s"),
        _M,
        N_("Stage added"),
        N_("Stage '%(stage)s' was added"),
    ),
    EventType(
        "stage.updated",
        N_("Settings of '%(stage)s' changed by %(actor)s (%(fields)s)"),
        _M,
        N_("Stage settings changed"),
        N_("The settings of '%(stage)s' were changed"),
    ),
    EventType(
        "stage.deleted",
        N_("Stage '%(stage)s' removed by %(actor)s"),
        _M,
        N_("Stage removed"),
        N_("Stage '%(stage)s' was removed"),
    ),
    EventType(
        "stage.moved",
        N_("Stage '%(stage)s' moved to position %(position)s by %(actor)s"),
        _M,
        N_("Stage moved"),
        N_("The stages were put in a new order"),
    ),
    EventType(
        "stage.opened",
        N_("Stage '%(stage)s' opened by %(actor)s"),
        _M,
        N_("Stage opened"),
        N_("Stage '%(stage)s' opened"),
    ),
    EventType(
        "stage.voting_opened",
        N_("Voting opened on '%(stage)s' by %(actor)s"),
        _M,
        N_("Voting opened"),
        N_("Voting opened on '%(stage)s'"),
    ),
    EventType(
        "stage.closed",
        N_("Stage '%(stage)s' closed by %(actor)s"),
        _M,
        N_("Stage or voting closed"),
        N_("Stage '%(stage)s' closed"),
    ),
    EventType(
        "stage.schedule_failed",
        N_(
            "The set time came for stage '%(stage)s', but it could not be moved: "
            "please check its dates"
        ),
        _T,
        N_("A set time could not move a stage"),
    ),
    # People
    EventType(
        "membership.started",
        N_("%(person)s joined as %(role)s"),
        _M,
        N_("Someone joined"),
        N_("%(someone)s joined the project"),
    ),
    EventType(
        "membership.left",
        N_("%(person)s left the project"),
        _M,
        N_("Someone left"),
        # Left or removed read the same: how someone went is theirs to tell.
        N_("%(someone)s left the project"),
    ),
    EventType(
        "membership.paid_staff_set",
        N_("Whether a member takes part in their paid job changed by %(actor)s"),
        _T,
        N_("Paid staff marked"),
    ),
    EventType(
        "membership.removed",
        N_("%(person)s removed from the project by %(actor)s"),
        _M,
        N_("Someone was removed"),
        N_("%(someone)s left the project"),
    ),
    EventType(
        "invitation.sent",
        N_("Invitation to join as %(role)s sent by %(actor)s"),
        _T,
        N_("Invitation sent"),
    ),
    EventType(
        "invitation.revoked",
        N_("Invitation to join as %(role)s withdrawn by %(actor)s"),
        _T,
        N_("Invitation withdrawn"),
    ),
    EventType(
        "invitation.accepted",
        N_("Invitation to join as %(role)s accepted by %(actor)s"),
        _T,
        N_("Invitation accepted"),
    ),
    # Proposals and comments
    EventType("proposal.created", N_("Proposal added by %(actor)s"), _T, N_("Proposal added")),
    EventType(
        "proposal.created_with_help",
        N_("Proposal added with help by %(actor)s, at a member's request"),
        _T,
        N_("Proposal added with help"),
    ),
    EventType("proposal.edited", N_("Proposal edited by %(actor)s"), _T, N_("Proposal edited")),
    EventType(
        "proposal.withdrawn",
        N_("Proposal withdrawn by its author, %(actor)s"),
        _T,
        N_("Proposal withdrawn"),
    ),
    EventType("proposal.hidden", N_("Proposal hidden by %(actor)s"), _T, N_("Proposal hidden")),
    EventType(
        "proposal.merged",
        N_("Proposals combined into one by %(actor)s"),
        _T,
        N_("Proposals combined"),
    ),
    EventType(
        "proposals.carried_forward",
        N_("Proposals carried forward to '%(stage)s' by %(actor)s"),
        _T,
        N_("Proposals carried forward"),
    ),
    EventType("comment.created", N_("Comment added by %(actor)s"), _T, N_("Comment added")),
    EventType(
        "comment.created_with_help",
        N_("Comment added with help by %(actor)s, at a member's request"),
        _T,
        N_("Comment added with help"),
    ),
    EventType("comment.edited", N_("Comment edited by %(actor)s"), _T, N_("Comment edited")),
    EventType(
        "comment.deleted",
        N_("Comment deleted by its author, %(actor)s"),
        _T,
        N_("Comment deleted"),
    ),
    EventType("comment.hidden", N_("Comment hidden by %(actor)s"), _T, N_("Comment hidden")),
    # Votes: secret, so never one by one.
    EventType(
        "ballot.cast",
        N_("%(count)s member voted in '%(stage)s'"),
        Audience.COUNTS_ONLY,
        plural=N_("%(count)s members voted in '%(stage)s'"),
    ),
    # A facilitator recorded a vote for a member who asked (by phone, on paper, in a
    # meeting): who helped and how, never for whom (the vote itself is a `ballot.cast` of
    # the member, counted per day like every vote) nor what.
    EventType(
        "help.vote_recorded",
        N_("A vote recorded with help by %(actor)s in '%(stage)s', at a member's request"),
        _T,
        N_("Vote recorded with help"),
    ),
    # Sealing: the secret ballots rewritten at close, so nothing stored links one to a person.
    EventType(
        "ballots.sealed",
        N_(
            "The secret ballots of '%(stage)s' were sealed as voting closed: no ballot can "
            "now be linked to the person who cast it"
        ),
        _M,
        N_("Ballots sealed"),
        N_(
            "The secret ballots of '%(stage)s' were sealed: no ballot can now be linked to "
            "the person who cast it"
        ),
    ),
    # Decisions
    EventType(
        "decision.recorded",
        N_("Decision for '%(stage)s' recorded by %(actor)s"),
        _M,
        N_("Decision recorded"),
        N_("The decision for '%(stage)s' was recorded"),
    ),
    EventType(
        "decision.note_written",
        N_("Reasons for the decision written by %(actor)s"),
        _M,
        N_("Reasons for a decision written"),
        N_("The reasons for a decision were written"),
    ),
    # Delivery: recommendations, the organisation's response, and the actions
    EventType(
        "delivery.recommendations_created",
        N_("%(count)s recommendation(s) made from the decision for '%(stage)s'"),
        _M,
        N_("Recommendations made"),
        N_("%(count)s recommendation(s) made from the decision for '%(stage)s'"),
    ),
    EventType(
        "delivery.response_due_set",
        N_("Date a response is due changed by %(actor)s, from %(before)s to %(after)s"),
        _M,
        N_("Response due date changed"),
        N_("The date a response is due changed, from %(before)s to %(after)s"),
    ),
    EventType(
        "delivery.response_written",
        N_("Response to a recommendation written by %(actor)s: %(answer)s"),
        _M,
        N_("Response written"),
        N_("The organisation responded to a recommendation: %(answer)s"),
    ),
    EventType(
        "delivery.comment_created",
        N_("Comment on delivery added by %(actor)s"),
        _T,
        N_("Comment on delivery added"),
    ),
    EventType(
        "delivery.review_options_created",
        N_(
            "%(count)s recommendation(s) put to the review's verdict vote in '%(stage)s' "
            "by %(actor)s"
        ),
        _M,
        N_("Recommendations put to review"),
        N_("%(count)s recommendation(s) put to the review's verdict vote in '%(stage)s'"),
    ),
    EventType(
        "delivery.report_published",
        N_('"You said, we did" published as a public page by %(actor)s'),
        _M,
        N_("Public page published"),
        N_('"You said, we did" was published as a public page'),
    ),
    EventType(
        "delivery.report_withdrawn",
        N_('"You said, we did" public page withdrawn by %(actor)s'),
        _M,
        N_("Public page withdrawn"),
        N_('The public page "You said, we did" was withdrawn'),
    ),
    EventType(
        "delivery.action_proposed",
        N_("Delivery action proposed by %(actor)s"),
        _M,
        N_("Action proposed"),
        N_("A delivery action was proposed"),
    ),
    EventType(
        "delivery.action_confirmed",
        N_("Delivery action confirmed by %(actor)s"),
        _M,
        N_("Action confirmed"),
        N_("A delivery action was confirmed"),
    ),
    # A facilitator or sponsor gave an action another owner or date: details "due_on"
    # (before and after) and "owner" (the people's ids), whichever changed.
    EventType(
        "delivery.action_changed",
        N_("Owner or due date of a delivery action changed by %(actor)s"),
        _M,
        N_("Action owner or due date changed"),
        N_("The owner or due date of a delivery action changed"),
    ),
    EventType(
        "delivery.action_status_changed",
        N_("Delivery action moved from %(before)s to %(after)s by %(actor)s"),
        _M,
        N_("Action status changed"),
        N_("A delivery action moved from %(before)s to %(after)s"),
    ),
    EventType(
        "delivery.action_update_posted",
        N_("Progress update on a delivery action posted by %(actor)s"),
        _M,
        N_("Progress update posted"),
        N_("A progress update was posted on a delivery action"),
    ),
    # Evidence that power was shared: reflection, the pulse, the co-production report
    EventType(
        "reflection.answered",
        N_("%(actor)s answered a question to reflect on in '%(stage)s'"),
        _M,
        N_("Reflection answered"),
        N_("A member answered a question to reflect on in '%(stage)s'"),
    ),
    # An anonymous answer: no person, no request, and never one by one (its time, beside
    # the person's other entries, would point to them). Counted for each day.
    EventType(
        "reflection.answered_anonymously",
        N_("%(count)s anonymous answer to reflect on in '%(stage)s'"),
        Audience.COUNTS_ONLY,
        plural=N_("%(count)s anonymous answers to reflect on in '%(stage)s'"),
        anonymous=True,
    ),
    # Reflection on a stage has ended (its pulse closed, or the project stopped): its
    # anonymous answers are written again so that nothing stored ties one to a person.
    EventType(
        "reflections.sealed",
        N_(
            "The anonymous answers to reflect on in '%(stage)s' were sealed: none can now be "
            "linked to the person who wrote it"
        ),
        _M,
        N_("Anonymous reflections sealed"),
        N_(
            "The anonymous answers to reflect on in '%(stage)s' were sealed: none can now be "
            "linked to the person who wrote it"
        ),
    ),
    EventType(
        "reflection.hidden",
        N_("An answer to reflect on in '%(stage)s' hidden by %(actor)s"),
        _T,
        N_("Reflection hidden"),
    ),
    EventType(
        "pulse.statements_changed",
        N_("The pulse statements of '%(stage)s' changed by %(actor)s"),
        _M,
        N_("Pulse statements changed"),
        N_("The pulse statements of '%(stage)s' were changed"),
    ),
    EventType(
        "pulse.opened",
        N_("The pulse of '%(stage)s' was sent to every member"),
        _M,
        N_("Pulse sent"),
        N_("The pulse of '%(stage)s' was sent to every member"),
    ),
    # Anonymous: never one by one.
    EventType(
        "pulse.answered",
        N_("%(count)s member answered the pulse of '%(stage)s'"),
        Audience.COUNTS_ONLY,
        plural=N_("%(count)s members answered the pulse of '%(stage)s'"),
    ),
    EventType(
        "pulse.closed",
        N_(
            "The pulse of '%(stage)s' closed by %(actor)s and its answers sealed: no answer "
            "can be linked to the person who gave it"
        ),
        _M,
        N_("Pulse closed"),
        N_("The pulse of '%(stage)s' closed and its answers were sealed"),
    ),
    EventType(
        "report.made",
        N_("Co-production report made by %(actor)s"),
        _M,
        N_("Report made"),
        N_("A co-production report was made"),
    ),
    # Meetings (meetings/): what a member needs is never in the trail, only that they said
    EventType(
        "meeting.scheduled",
        N_("Meeting scheduled by %(actor)s"),
        _M,
        N_("Meeting scheduled"),
        N_("A meeting was scheduled"),
    ),
    EventType(
        "meeting.changed",
        N_("Meeting details changed by %(actor)s"),
        _M,
        N_("Meeting changed"),
        N_("A meeting's details were changed"),
    ),
    EventType(
        "meeting.cancelled",
        N_("Meeting cancelled by %(actor)s"),
        _M,
        N_("Meeting cancelled"),
        N_("A meeting was cancelled"),
    ),
    EventType(
        "meeting.replied", N_("%(actor)s replied to a meeting invitation"), _T, N_("Meeting reply")
    ),
    EventType(
        "meeting.needs_told",
        N_("Someone told the facilitators what they need to take part in a meeting"),
        _T,
        N_("Needs told to the facilitators"),
    ),
    EventType(
        "meeting.attendance_recorded",
        N_("Attendance at a meeting recorded by %(actor)s"),
        _M,
        N_("Attendance recorded"),
        N_("Who came to a meeting was recorded"),
    ),
    EventType(
        "meeting.stages_linked",
        N_("The stages a meeting fed were set by %(actor)s"),
        _M,
        N_("Meeting linked to stages"),
        N_("A meeting was linked to the stages it fed"),
    ),
    EventType(
        "meeting.minutes_written",
        N_("Meeting minutes written by %(actor)s"),
        _M,
        N_("Minutes written"),
        N_("A meeting's minutes were written"),
    ),
    EventType(
        "meeting.minutes_commented",
        N_("Comment on meeting minutes by %(actor)s"),
        _T,
        N_("Comment on minutes"),
    ),
    EventType(
        "meeting.minutes_agreed",
        N_("Meeting minutes marked agreed by %(actor)s"),
        _M,
        N_("Minutes agreed"),
        N_("A meeting's minutes were agreed"),
    ),
    # Involvement payments (payments/): the policy and its rates are the project's, so
    # trail readers see them; a member's choice, claims and amounts are for facilitators
    # only (observers and sponsors could otherwise compare who came to a meeting with the
    # claims it made and learn who chose no payment). Attendance makes its claims in one
    # entry, whatever their number, so even the count of hidden entries says nothing.
    EventType(
        "payments.policy_set",
        N_("Payment policy set by %(actor)s"),
        _M,
        N_("Payment policy set"),
        N_("The payment policy was set"),
    ),
    EventType(
        "payments.activity_added",
        N_("Paid activity added to the payment policy by %(actor)s"),
        _T,
        N_("Paid activity added"),
    ),
    EventType("payments.rate_set", N_("New rate set by %(actor)s"), _T, N_("Rate set")),
    EventType(
        "payments.choice_made",
        N_("%(actor)s chose how they are paid for taking part"),
        _F,
        N_("Payment choice made"),
    ),
    EventType("payments.claim_made", N_("Claim made by %(actor)s"), _F, N_("Claim made")),
    EventType(
        "payments.attendance_claims_made",
        N_("Claims for a meeting's attendance made by %(actor)s: %(count)s"),
        _F,
        N_("Claims made from attendance"),
    ),
    EventType(
        "payments.claim_approved", N_("Claim approved by %(actor)s"), _F, N_("Claim approved")
    ),
    EventType("payments.claim_queried", N_("Claim queried by %(actor)s"), _F, N_("Claim queried")),
    EventType(
        "payments.claims_exported",
        N_("Approved claims exported for finance by %(actor)s"),
        _F,
        N_("Claims exported for finance"),
    ),
    # The record itself
    EventType(
        "trail.exported",
        N_("Record exported as %(format)s by %(actor)s"),
        _T,
        N_("Record exported"),
    ),
    EventType(
        "trail.verified",
        N_("Record checked by %(actor)s: nothing changed or removed"),
        _T,
        N_("Record checked"),
    ),
    # Site-wide: a person's own account (no project)
    EventType("account.signed_up", N_("%(actor)s made an account"), _A),
    EventType("account.signed_in", N_("%(actor)s signed in"), _A),
    EventType("profile.updated", N_("%(actor)s changed their details (%(fields)s)"), _A),
    EventType(
        "notification_preferences.updated",
        N_("%(actor)s changed which notifications they get"),
        _A,
    ),
    EventType(
        "notifications.unsubscribed",
        N_("%(actor)s stopped emails from a link in an email"),
        _A,
    ),
    EventType("mfa.authenticator_added", N_("%(actor)s switched on %(kind)s"), _A),
    EventType("mfa.authenticator_removed", N_("%(actor)s switched off %(kind)s"), _A),
    EventType("mfa.authenticator_reset", N_("%(actor)s made new %(kind)s"), _A),
    EventType("account.data_downloaded", N_("%(actor)s downloaded a copy of their data"), _A),
    EventType("account.erased", N_("%(actor)s erased their account"), _A),
    # Personal data kept no longer than the data rules say (run daily by the system).
    EventType(
        "retention.invitation_addresses_removed",
        N_("Email addresses removed from %(count)s old invitation(s), as the data rules say"),
        _T,
        N_("Old invitations' addresses removed"),
    ),
    EventType(
        "retention.participation_deleted",
        N_("Records of who voted deleted (%(count)s), as the data rules say"),
        _T,
        N_("Records of who voted deleted"),
    ),
    EventType(
        "retention.notifications_deleted",
        N_("%(count)s old read notification(s) deleted, as the data rules say"),
        _A,
    ),
)

EVENT_TYPES: dict[str, EventType] = {event_type.name: event_type for event_type in _TYPES}


def event_type(name: str) -> EventType:
    """The registered type of that name; `UnknownEventType` for any other name."""
    found = EVENT_TYPES.get(name)
    if found is None:
        raise UnknownEventType(
            f"{name!r} is not a registered audit event type: add it to coproduce/audit/events.py."
        )
    return found


def names_seen_by(audience: Audience) -> tuple[str, ...]:
    return tuple(name for name, found in EVENT_TYPES.items() if found.seen_by == audience)
