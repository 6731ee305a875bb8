"""Every page of the portal x every role of the cast x every stage state, from the URLconf.

The URLconf is walked: each named pattern of the portal's apps must have an entry in
`TABLE` (a new page without one fails, naming it), and each entry is checked for every
role and every state of the stage the scene's pages are about:
- an outsider gets 404 for a project's pages (the same as for a project that does not exist),
- an anonymous visitor is sent to sign in,
- a role without the right gets 403,
- a role with it gets 200 (GET), or (POST) the change happens in the database;
  a refused POST leaves the database as it was (the trail's length, the object's state).
Every request runs in a savepoint that is rolled back, so one scene serves every check.
A stage's pages are checked in each state of the stage; the other pages (the project's,
the person's, the site's) once, with the stage open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from decisions import services as decision_services
from decisions.models import Comment, Proposal
from delivery import services as delivery_services
from delivery.models import Action, Recommendation
from evidence import services as evidence_services
from evidence.models import ReflectionAnswer, Report
from meetings import services as meeting_services
from meetings.models import Meeting
from participants.models import User
from participants.notifications.models import Notification
from participants.notifications.services import notify, unsubscribe_token
from payments import services as payment_services
from payments.models import Activity, Claim
from projects import services as project_services
from projects.models import Invitation, Membership, Project, Stage
from tests.conftest import force_login_with_two_factors
from tests.delivery import helpers as delivery_helpers
from trail.models import AuditExport
from trail.services import export_run

pytestmark = pytest.mark.django_db

# Pages of these URL prefixes belong to libraries (allauth, Django's admin): tested there.
LIBRARY_PREFIXES = ("admin/", "accounts/")

ROLES = (
    "lived_experience_member",
    "carer_member",
    "clinician_member",
    "facilitator",
    "manager",
    "sponsor",
    "outsider",
    "anonymous",
)
MEMBERS = frozenset({"lived_experience_member", "carer_member", "clinician_member"})
FACILITATOR = frozenset({"facilitator"})
SPONSOR = frozenset({"sponsor"})
# Who see the people and the trail (and sign in with two factors).
STAFF = frozenset({"facilitator", "manager", "sponsor"})
IN_PROJECT = MEMBERS | STAFF
SIGNED_IN = IN_PROJECT | {"outsider"}
STATES = ("draft", "open", "voting", "closed")
ALL_STATES = frozenset(STATES)

# Outcomes.
OK = "ok"  # GET: 200; POST: the change is in the database
FORBIDDEN = "403"
HIDDEN = "404"
LOGIN = "login"  # sent to sign in
REFUSED = "refused"  # a rule says not now: a kind answer (no 403/404/500), nothing changed
REDIRECT = "redirect"  # GET: sent on to another page of the portal
REAUTHENTICATE = "reauthenticate"  # asked to prove who they are again first


@dataclass(frozen=True)
class Scene:
    project: Project
    stage: Stage
    people: dict[str, User]
    proposal: Proposal  # by the lived-experience member
    other_proposal: Proposal  # by the carer
    comment: Comment  # by the lived-experience member, on `proposal`
    membership: Membership  # the clinician's
    invitation: Invitation  # pending, for someone new
    token: str  # that invitation's link
    outsider_invitation: Invitation  # pending, for the outsider
    notification: Notification  # the lived-experience member's
    export: AuditExport  # asked for by the manager
    recommendation: Recommendation  # accepted in part by the sponsor
    action: Action  # on it, confirmed, owned by the carer
    proposed_action: Action  # on it, proposed by the clinician, not confirmed yet
    reflection: ReflectionAnswer  # the lived-experience member's, named
    report: Report  # a co-production report, made by the facilitator
    meeting: Meeting  # held yesterday: the carer came (a claim), minutes written
    upcoming_meeting: Meeting  # next week: members can still reply, facilitators change it
    claim: Claim  # the carer's, waiting for a facilitator
    activity: Activity  # the policy's meetings, paid per hour

    def kwargs(self, names: tuple[str, ...]) -> dict[str, object]:
        values = {
            "project_id": self.project.pk,
            "stage_id": self.stage.pk,
            "proposal_id": self.proposal.pk,
            "comment_id": self.comment.pk,
            "membership_id": self.membership.pk,
            "invitation_id": self.invitation.pk,
            "token": self.token,
            "notification_id": self.notification.pk,
            "export_id": self.export.pk,
            "recommendation_id": self.recommendation.pk,
            "action_id": self.action.pk,
            "answer_id": self.reflection.pk,
            "report_id": self.report.pk,
            "meeting_id": self.meeting.pk,
            "claim_id": self.claim.pk,
            "activity_id": self.activity.pk,
        }
        return {name: values[name] for name in names}


def _trail_length(scene: Scene) -> object:
    return AuditEvent.objects.count()


@dataclass(frozen=True)
class Check:
    """One way of using a URL, and who may use it.

    `allowed` get OK in `states` (all by default) and `outside_states` elsewhere; other
    roles who can see the project get `others`; `scope` says what outsiders and anonymous
    visitors get: "project" (404 and sign-in), "site" (signed-in pages), "public".
    """

    method: str
    allowed: frozenset[str]
    states: frozenset[str] = ALL_STATES
    outside_states: str = FORBIDDEN
    others: str = FORBIDDEN
    scope: str = "project"
    data: Callable[[Scene], dict[str, Any]] = lambda scene: {}
    effect: Callable[[Scene], object] = _trail_length
    per_role: dict[str, str] = field(default_factory=dict)  # exceptions, by role

    def expected(self, role: str, state: str) -> str:
        if role in self.per_role:
            return self.per_role[role]
        if role == "anonymous" and self.scope != "public":
            return LOGIN
        if role in self.allowed:
            return OK if state in self.states else self.outside_states
        if role == "outsider" and self.scope == "project":
            return HIDDEN
        return self.others


def get(allowed: frozenset[str], **options: Any) -> Check:
    return Check("get", allowed, **options)


def post(allowed: frozenset[str], **options: Any) -> Check:
    return Check("post", allowed, **options)


def _stage_state(scene: Scene) -> object:
    return Stage.objects.filter(pk=scene.stage.pk).values_list("state", "position").first()


def _proposal_row(scene: Scene) -> object:
    return Proposal.objects.filter(pk=scene.proposal.pk).values().first()


def _comment_row(scene: Scene) -> object:
    return Comment.objects.filter(pk=scene.comment.pk).values().first()


def _unread(scene: Scene) -> object:
    return Notification.objects.filter(read_at__isnull=True).count()


def _preferences(scene: Scene) -> object:
    from participants.notifications.models import NotificationPreference

    return sorted(NotificationPreference.objects.values_list("user_id", "kind", "delivery"))


def _action_row(scene: Scene) -> object:
    # The confirmed action whose status is changed (ids are random: never "the first by id").
    return Action.objects.filter(pk=scene.action.pk).values().first()


def _user_rows(scene: Scene) -> object:
    return sorted(User.objects.values_list("pk", "display_name", "erased_at"))


_PROPOSAL_TEXT = {"title": "A calmer waiting room", "body": "Fewer people waiting alone at night."}
_MEMBERS_OPEN = {"states": frozenset({"open"})}
BEFORE_VOTING = frozenset({"draft", "open"})

# The other trail readers do not see that someone else's export exists.
NOT_THEIR_EXPORT = {"facilitator": HIDDEN, "sponsor": HIDDEN}

# Every named URL of the portal: name -> the checks of its methods.
TABLE: dict[str, tuple[Check, ...]] = {
    # The site layer
    "home": (get(frozenset(ROLES), scope="public"),),  # a visitor sees what the portal is
    "healthz": (get(frozenset(ROLES), scope="public"),),
    "your_data": (get(SIGNED_IN, scope="site"),),
    "your_data_download": (post(SIGNED_IN, scope="site"),),
    # Erasing asks for the password or a code again first (tests/participants/test_erasure.py
    # goes on from there), so here nobody's POST erases anything.
    "account_erase": (
        get(SIGNED_IN, scope="site"),
        post(
            frozenset(),
            scope="site",
            others=REAUTHENTICATE,
            data=lambda scene: {"confirm": "erase"},
            effect=_user_rows,
        ),
    ),
    "account_erased": (get(frozenset(ROLES), scope="public"),),
    # People
    "participants:profile": (get(SIGNED_IN, scope="site"),),
    "participants:notifications": (get(SIGNED_IN, scope="site"),),
    "participants:notifications_read_all": (post(SIGNED_IN, scope="site", effect=_unread),),
    "participants:notification_read": (
        post(frozenset({"lived_experience_member"}), scope="site", others=HIDDEN, effect=_unread),
    ),
    "participants:notification_preferences": (get(SIGNED_IN, scope="site"),),
    "participants:unsubscribe": (get(frozenset(ROLES), scope="public"),),
    # Projects
    "projects:create": (get(FACILITATOR, scope="site"),),
    "projects:mfa_required": (get(SIGNED_IN, scope="site"),),
    # The link works for its own address only: anyone else signed in is refused.
    "projects:invitation": (get(frozenset({"anonymous"}), scope="public"),),
    "projects:invitation_for_you": (get(frozenset({"outsider"}), scope="site", others=HIDDEN),),
    "projects:detail": (get(IN_PROJECT),),
    "projects:settings": (get(FACILITATOR),),
    "projects:leave": (
        get(IN_PROJECT),
        # A project's only facilitator cannot leave it (a rule, kindly explained).
        post(IN_PROJECT, per_role={"facilitator": REFUSED}),
    ),
    "projects:people": (get(STAFF),),
    "projects:invite": (
        get(FACILITATOR),
        post(FACILITATOR, data=lambda scene: {"email": "another@example.org", "role": "observer"}),
    ),
    "projects:membership_remove": (get(FACILITATOR), post(FACILITATOR)),
    "projects:membership_paid_staff": (
        post(FACILITATOR, data=lambda scene: {"paid_staff": "yes"}),
    ),
    "projects:invitation_revoke": (post(FACILITATOR),),
    "projects:stage_create": (get(FACILITATOR),),
    "projects:stage_edit": (get(FACILITATOR),),
    "projects:stage_move": (post(FACILITATOR, data=lambda scene: {"direction": "down"}),),
    "projects:stage_delete": (get(FACILITATOR),),
    "projects:stage_transition": (
        post(
            FACILITATOR,
            states=frozenset({"draft", "open"}),
            outside_states=REFUSED,
            data=lambda scene: {
                "to_state": {"draft": "open", "open": "voting"}.get(scene.stage.state, "closed")
            },
            effect=_stage_state,
        ),
    ),
    # Decisions
    "decisions:stage": (get(IN_PROJECT),),
    "decisions:voting_rules": (get(FACILITATOR),),
    "decisions:proposals": (get(IN_PROJECT),),
    "decisions:proposal_create": (
        get(MEMBERS, **_MEMBERS_OPEN),
        post(MEMBERS, **_MEMBERS_OPEN, data=lambda scene: _PROPOSAL_TEXT),
    ),
    "decisions:proposal_merge": (get(FACILITATOR, states=BEFORE_VOTING),),
    "decisions:carry_forward": (get(FACILITATOR, states=frozenset({"closed"})),),
    "decisions:ballot": (
        get(MEMBERS, states=frozenset({"voting"})),
        post(
            MEMBERS,
            states=frozenset({"voting"}),
            data=lambda scene: {f"option-{scene.proposal.pk}": "1"},
        ),
    ),
    # A facilitator records the vote of a member who asked (the lived-experience member).
    "decisions:ballot_with_help": (
        get(FACILITATOR, states=frozenset({"voting"})),
        post(
            FACILITATOR,
            states=frozenset({"voting"}),
            data=lambda scene: {
                "member": str(scene.people["lived_experience_member"].pk),
                "how": "phone",
                "member_asked": "on",
                f"option-{scene.proposal.pk}": "1",
            },
        ),
    ),
    "decisions:proposal_with_help": (
        get(FACILITATOR, states=frozenset({"open"})),
        post(
            FACILITATOR,
            states=frozenset({"open"}),
            data=lambda scene: {
                "member": str(scene.people["carer_member"].pk),
                "how": "meeting",
                "member_asked": "on",
                **_PROPOSAL_TEXT,
            },
        ),
    ),
    "decisions:comment_with_help": (
        get(FACILITATOR, **_MEMBERS_OPEN),
        post(
            FACILITATOR,
            **_MEMBERS_OPEN,
            data=lambda scene: {
                "member": str(scene.people["carer_member"].pk),
                "how": "phone",
                "member_asked": "on",
                "body": "Said on the phone: yes, please.",
            },
        ),
    ),
    "decisions:ballot_paper": (get(FACILITATOR, states=frozenset({"open", "voting"})),),
    # Only for someone who has voted (the carer, in the scene); anyone else goes to the stage.
    "decisions:ballot_recorded": (
        get(
            frozenset({"carer_member"}),
            # Only while voting: ballots are sealed at the close, so nobody's is found after.
            states=frozenset({"voting"}),
            outside_states=REDIRECT,
            others=REDIRECT,
        ),
    ),
    "decisions:voting_close": (
        post(FACILITATOR, states=frozenset({"voting"}), outside_states=REFUSED),
    ),
    "decisions:decision": (get(IN_PROJECT),),  # before the close it says none yet
    "decisions:decision_note": (
        get(FACILITATOR, states=frozenset({"closed"}), outside_states=HIDDEN),  # no record yet
    ),
    "decisions:proposal": (
        get(IN_PROJECT),
        post(MEMBERS, **_MEMBERS_OPEN, data=lambda scene: {"body": "I agree."}),
    ),
    "decisions:proposal_edit": (
        get(frozenset({"lived_experience_member"}), **_MEMBERS_OPEN),
        post(
            frozenset({"lived_experience_member"}),
            **_MEMBERS_OPEN,
            data=lambda scene: _PROPOSAL_TEXT,
            effect=_proposal_row,
        ),
    ),
    "decisions:proposal_withdraw": (
        post(frozenset({"lived_experience_member"}), **_MEMBERS_OPEN, effect=_proposal_row),
    ),
    "decisions:proposal_hide": (
        get(FACILITATOR, states=BEFORE_VOTING),
        post(
            FACILITATOR,
            states=BEFORE_VOTING,
            data=lambda scene: {"reason": "Names a member of staff."},
            effect=_proposal_row,
        ),
    ),
    "decisions:comment_edit": (
        get(frozenset({"lived_experience_member"}), **_MEMBERS_OPEN),
        post(
            frozenset({"lived_experience_member"}),
            **_MEMBERS_OPEN,
            data=lambda scene: {"body": "I agree, at night."},
            effect=_comment_row,
        ),
    ),
    "decisions:comment_delete": (
        post(frozenset({"lived_experience_member"}), **_MEMBERS_OPEN, effect=_comment_row),
    ),
    "decisions:comment_hide": (
        get(FACILITATOR),
        post(
            FACILITATOR,
            data=lambda scene: {"reason": "Names a member of staff."},
            effect=_comment_row,
        ),
    ),
    # Meetings: replies, changes and cancellation on the upcoming meeting, the rest on
    # yesterday's (see _url)
    "meetings:list": (get(IN_PROJECT),),
    "meetings:create": (
        get(FACILITATOR),
        post(
            FACILITATOR,
            data=lambda scene: {
                "title": "Workshop",
                "purpose": "Talk",
                "starts_at": "2030-03-03T10:00",
                "ends_at": "2030-03-03T12:00",
                "place": "Room 4",
            },
        ),
    ),
    "meetings:detail": (
        get(IN_PROJECT),
        post(MEMBERS, data=lambda scene: {"coming": "yes", "needs": "A quiet room"}),
    ),
    "meetings:edit": (get(FACILITATOR),),
    "meetings:cancel": (get(FACILITATOR), post(FACILITATOR)),
    "meetings:calendar": (get(IN_PROJECT),),
    "meetings:stages": (
        get(FACILITATOR),
        post(FACILITATOR, data=lambda scene: {"stages": [str(scene.stage.pk)]}),
    ),
    "meetings:minutes": (
        get(IN_PROJECT),
        post(FACILITATOR, data=lambda scene: {"text": "We met, and agreed."}),
    ),
    "meetings:minutes_comment": (post(MEMBERS, data=lambda scene: {"body": "Add the date."}),),
    "meetings:minutes_agree": (post(FACILITATOR),),
    # Involvement payments: a member's own pages are theirs only (never staff's)
    "payments:overview": (get(IN_PROJECT),),
    "payments:policy": (
        get(FACILITATOR),
        post(FACILITATOR, data=lambda scene: {"starts_on": "2026-01-01", "care_expenses": "on"}),
    ),
    "payments:activity_add": (
        get(FACILITATOR),
        post(
            FACILITATOR,
            data=lambda scene: {
                "kind": "reviewing",
                "name": "Reviewing",
                "unit": "session",
                "amount": "30.00",
                "effective_from": "2026-01-01",
            },
        ),
    ),
    "payments:rate_add": (
        get(FACILITATOR),
        post(FACILITATOR, data=lambda scene: {"amount": "31.00", "effective_from": "2030-01-01"}),
    ),
    "payments:choice": (get(MEMBERS), post(MEMBERS, data=lambda scene: {"choice": "voucher"})),
    "payments:ledger": (get(MEMBERS),),
    "payments:statement": (get(MEMBERS),),
    "payments:claim_create": (
        get(MEMBERS),
        post(
            MEMBERS,
            data=lambda scene: {
                "kind": "travel",
                "amount": "3.20",
                "on": timezone.localdate().isoformat(),
                "description": "Bus",
            },
        ),
    ),
    "payments:claims": (get(FACILITATOR),),
    "payments:export": (post(FACILITATOR),),
    "payments:claim_review": (
        get(FACILITATOR),
        post(FACILITATOR, data=lambda scene: {"decision": "approve"}),
    ),
    "payments:attendance": (
        get(FACILITATOR),
        post(
            FACILITATOR,
            data=lambda scene: {
                f"person-{scene.people['carer_member'].pk}": "online",
                f"person-{scene.people['clinician_member'].pk}": "in_person",
            },
        ),
    ),
    # The trail
    "trail:trail": (get(STAFF),),
    "trail:history": (get(IN_PROJECT),),  # what happened, without names, for everyone in it
    "trail:verify": (post(STAFF),),
    "trail:anchors": (get(STAFF),),
    "trail:export": (post(STAFF, data=lambda scene: {"format": "csv"}),),
    # An export is its requester's own (the manager's, in the scene).
    "trail:export_status": (get(frozenset({"manager"}), per_role=NOT_THEIR_EXPORT),),
    "trail:export_download": (get(frozenset({"manager"}), per_role=NOT_THEIR_EXPORT),),
    # Delivery: the scene's recommendation is accepted in part, so members comment on it and
    # propose actions; its action is owned by the carer.
    "delivery:overview": (get(IN_PROJECT),),
    "delivery:recommendation": (
        get(IN_PROJECT),
        post(MEMBERS, data=lambda scene: {"body": "Which part, and why?"}),
    ),
    "delivery:respond": (
        get(SPONSOR),
        post(
            SPONSOR,
            data=lambda scene: {"answer": "accepted", "reasons": "", "next_steps": "In May."},
        ),
    ),
    "delivery:response_due": (
        get(FACILITATOR),
        post(
            FACILITATOR,
            data=lambda scene: {
                "response_due_on": (timezone.localdate() + dt.timedelta(days=9)).isoformat()
            },
        ),
    ),
    "delivery:action_create": (
        get(MEMBERS | FACILITATOR | SPONSOR),
        post(
            MEMBERS | FACILITATOR | SPONSOR,
            data=lambda scene: {
                "title": "Write the rota",
                "done_looks_like": "A rota on the wall",
                "owner": str(scene.people["carer_member"].pk),
                "due_on": (timezone.localdate() + dt.timedelta(days=9)).isoformat(),
            },
        ),
    ),
    "delivery:action": (
        get(IN_PROJECT),
        post(MEMBERS, data=lambda scene: {"body": "Thank you for this."}),
    ),
    # On the proposed action (see `_url`): a facilitator or sponsor confirms it.
    "delivery:action_confirm": (post(FACILITATOR | SPONSOR),),
    "delivery:action_status": (
        get(frozenset({"carer_member"}) | FACILITATOR | SPONSOR),
        post(
            frozenset({"carer_member"}) | FACILITATOR | SPONSOR,
            data=lambda scene: {"status": "in_progress"},
            effect=_action_row,
        ),
    ),
    "delivery:action_change": (
        get(FACILITATOR | SPONSOR),
        post(
            FACILITATOR | SPONSOR,
            data=lambda scene: {
                "owner": str(scene.people["clinician_member"].pk),
                "due_on": (timezone.localdate() + dt.timedelta(days=12)).isoformat(),
            },
            effect=_action_row,
        ),
    ),
    "delivery:action_update": (
        get(frozenset({"carer_member"})),
        post(frozenset({"carer_member"}), data=lambda scene: {"text": "The rota is drafted."}),
    ),
    # The review (on the project's review stage, see `_url`): the scene's recommendation has a
    # confirmed action, so a facilitator puts it to the verdict vote.
    "delivery:review_open": (post(FACILITATOR),),
    "delivery:you_said": (get(IN_PROJECT),),
    # Publishing comes first; the withdrawal and the public page are then of the published
    # page (see `_url`, which publishes it before their checks).
    "delivery:you_said_publish": (post(FACILITATOR),),
    "delivery:you_said_withdraw": (post(FACILITATOR),),
    "delivery_public:you_said": (get(frozenset(ROLES), scope="public"),),
    # Evidence: the same for everyone in the project; members reflect and answer the pulse
    "evidence:organisation": (get(SIGNED_IN, scope="site"),),  # lists only one's own
    "evidence:power_balance": (get(IN_PROJECT),),
    "evidence:reports": (get(IN_PROJECT), post(STAFF)),
    "evidence:report": (get(IN_PROJECT),),
    "evidence:report_pdf": (get(IN_PROJECT),),
    "evidence:reflection": (
        get(IN_PROJECT),
        post(
            MEMBERS,
            states=frozenset({"open", "voting", "closed"}),  # once the stage has opened
            data=lambda scene: {"question": "1", "body": "I was heard.", "shown_as": "named"},
        ),
    ),
    "evidence:reflection_hide": (
        get(FACILITATOR),
        post(FACILITATOR, data=lambda scene: {"reason": "Names a member of staff."}),
    ),
    # The pulse is sent when the stage closes, and answered then.
    "evidence:pulse": (
        get(IN_PROJECT),
        post(MEMBERS, states=frozenset({"closed"}), data=lambda scene: {"statement_1": "4"}),
    ),
    "evidence:pulse_statements": (
        get(FACILITATOR),  # before the stage opens to change them, after it to read them
        post(
            FACILITATOR,
            states=frozenset({"draft"}),
            data=lambda scene: {"statements": "I was heard", "ask_ladder": "on"},
        ),
    ),
    "evidence:pulse_close": (post(FACILITATOR, states=frozenset({"closed"})),),
}


# --- The URLconf ----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    arguments: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(LIBRARY_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name is None:
                raise AssertionError(f"The URL {route!r} has no name: name it, and add it to TABLE")
            yield Route(f"{namespace}{pattern.name}", route, _arguments(route))


def _arguments(route: str) -> tuple[str, ...]:
    import re

    return tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))


def portal_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def test_every_page_of_the_portal_has_an_entry_in_the_table() -> None:
    routes = portal_routes()
    missing = [f"{route.name} ({route.route})" for route in routes if route.name not in TABLE]
    assert not missing, (
        "These URLs have no entry in TABLE of tests/test_url_permission_matrix.py (say who "
        "may use them, with which method, in which stage states):\n  " + "\n  ".join(missing)
    )
    gone = sorted(set(TABLE) - {route.name for route in routes})
    assert not gone, f"TABLE names URLs that no longer exist: {gone}"


# --- The scene and the check ------------------------------------------------------


@pytest.fixture
def scene(  # type: ignore[no-untyped-def]
    project: Project,
    facilitator: User,
    lived_experience_member: User,
    carer_member: User,
    clinician_member: User,
    manager: User,
    outsider: User,
) -> Scene:
    stage = project.stages.get(position=2)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    proposal = decision_services.proposal_create(
        actor=lived_experience_member, stage=stage, title="Quiet room", body="Somewhere calm."
    )
    other = decision_services.proposal_create(
        actor=carer_member, stage=stage, title="Named night worker", body="Someone we know."
    )
    comment = decision_services.comment_create(
        actor=lived_experience_member, proposal=proposal, body="And soft light."
    )
    invitation, token = project_services.invitation_create(
        actor=facilitator, project=project, email="new@example.org", role="member"
    )
    for_outsider, _token = project_services.invitation_create(
        actor=facilitator, project=project, email=outsider.email, role="member"
    )
    notify(
        recipients=[facilitator, manager, outsider],
        kind="stage_opened",
        key="matrix",
        subject="Something to read",
        body="So that everyone has something unread.",
    )
    notification = Notification.objects.filter(recipient=lived_experience_member).first()
    assert notification is not None, "opening the stage tells the members"
    export = AuditExport.objects.create(  # a large export, still being written
        project_id=project.pk,
        requested_by=manager,
        format=AuditExport.Format.CSV,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    export_run(export_id=export.pk)
    sponsor = delivery_helpers.add_sponsor(project)
    recommendation = delivery_helpers.recommendations(
        project, facilitator, [clinician_member], titles=("Night nurse",), position=3
    )[0]
    delivery_helpers.respond(sponsor, recommendation, "accepted_in_part")
    action = delivery_helpers.confirmed_action(sponsor, recommendation, carer_member)
    proposed = delivery_services.action_propose(
        actor=clinician_member,
        recommendation=delivery_helpers.fresh(recommendation),
        title="Ask the night team",
        done_looks_like="Their answers written up",
        owner=clinician_member,
        due_on=timezone.localdate() + dt.timedelta(days=5),
    )
    reflection = evidence_services.reflection_answer_create(
        actor=lived_experience_member, stage=stage, question_number=1, body="Heard.",
        anonymous=False,
    )  # fmt: skip
    report = evidence_services.report_make(actor=facilitator, project=project)
    today = timezone.localdate()
    payment_services.policy_set(
        actor=facilitator, project=project, starts_on=today - dt.timedelta(days=30)
    )
    activity = payment_services.activity_add(
        actor=facilitator,
        project=project,
        kind="meeting",
        name="Meetings",
        unit="hour",
        amount="27.50",
        effective_from=today - dt.timedelta(days=30),
    )
    meetings = []
    for days in (-1, 7):
        starts = timezone.now() + dt.timedelta(days=days)
        meetings.append(
            meeting_services.meeting_schedule(
                actor=facilitator,
                project=project,
                title="Workshop",
                purpose="Talk",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                place="Room 4",
            )
        )
    held, upcoming = meetings
    (claim,) = payment_services.attendance_record_with_claims(
        actor=facilitator, meeting=held, present={carer_member.pk: "in_person"}
    )
    meeting_services.minutes_write(actor=facilitator, meeting=held, text="We met.")
    people = {
        "lived_experience_member": lived_experience_member,
        "carer_member": carer_member,
        "clinician_member": clinician_member,
        "facilitator": facilitator,
        "manager": manager,
        "sponsor": sponsor,
        "outsider": outsider,
    }
    return Scene(
        project=project,
        stage=stage,
        people=people,
        proposal=proposal,
        other_proposal=other,
        comment=comment,
        membership=Membership.objects.get(project=project, user=clinician_member),
        invitation=invitation,
        token=token,
        outsider_invitation=for_outsider,
        notification=notification,
        export=export,
        recommendation=recommendation,
        action=action,
        proposed_action=proposed,
        reflection=reflection,
        report=report,
        meeting=held,
        upcoming_meeting=upcoming,
        claim=claim,
        activity=activity,
    )


def _clients(scene: Scene) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        client = Client()
        if role in STAFF:
            force_login_with_two_factors(client, scene.people[role])
        elif role != "anonymous":
            client.force_login(scene.people[role])
        clients[role] = client
    return clients


def _outcome(response: Any, changed: bool, method: str) -> str:
    status = response.status_code
    if status == 302 and response["Location"].startswith(reverse("account_login")):
        return LOGIN
    if status == 302 and response["Location"].startswith(
        (reverse("account_reauthenticate"), reverse("mfa_reauthenticate"))
    ):
        return REAUTHENTICATE
    if status in (403, 404):
        return str(status)
    if status >= 500:
        return f"HTTP {status}"
    if method == "get":
        if status == 302:
            return REDIRECT
        return OK if status == 200 else f"HTTP {status}"
    return OK if changed else REFUSED


# Pages about a meeting that has not started yet (replies, changes, its calendar file).
UPCOMING_MEETING_PAGES = frozenset(
    {"meetings:detail", "meetings:edit", "meetings:cancel", "meetings:calendar"}
)


def _url(name: str, route: Route, scene: Scene) -> str:
    kwargs = scene.kwargs(route.arguments)
    if name == "participants:unsubscribe":
        kwargs["token"] = unsubscribe_token(scene.people["lived_experience_member"], "stage_opened")
    if name == "projects:invitation_for_you":
        kwargs["invitation_id"] = scene.outsider_invitation.pk
    if name == "delivery:action_confirm":
        kwargs["action_id"] = scene.proposed_action.pk
    if name in UPCOMING_MEETING_PAGES:
        kwargs["meeting_id"] = scene.upcoming_meeting.pk
    if name == "delivery:review_open":
        kwargs["stage_id"] = scene.project.stages.get(kind=Stage.Kind.REVIEW).pk
    if name in ("delivery:you_said_withdraw", "delivery_public:you_said"):
        report = delivery_services.report_publish(
            actor=scene.people["facilitator"], project=scene.project
        )
        if "token" in route.arguments:
            kwargs["token"] = report.token
    return reverse(name, kwargs=kwargs)


def test_every_role_in_every_stage_state_gets_what_the_table_says(scene: Scene) -> None:
    routes = {route.name: route for route in portal_routes()}
    clients = _clients(scene)
    session_cookie = settings.SESSION_COOKIE_NAME
    wrong: list[str] = []
    for state in STATES:
        _put_stage_in(scene, state)
        for name, checks in TABLE.items():
            if name not in routes:
                continue
            if "stage_id" not in routes[name].arguments and state != "open":
                continue  # not a stage's page: checked once, in an open stage
            url = _url(name, routes[name], scene)
            for check in checks:
                for role in ROLES:
                    client = clients[role]
                    cookie = client.cookies.get(session_cookie)
                    kept = cookie.value if cookie else None
                    with transaction.atomic():
                        before = check.effect(scene)
                        if check.method == "get":
                            response = client.get(url)
                        else:
                            response = client.post(url, check.data(scene))
                        changed = check.effect(scene) != before
                        transaction.set_rollback(True)
                    if kept is not None:
                        client.cookies[session_cookie] = kept
                    got = _outcome(response, changed, check.method)
                    expected = check.expected(role, state)
                    if check.method == "get" and changed:
                        got = f"{got}, and the GET changed the database"
                    if got != expected:
                        wrong.append(
                            f"{check.method.upper()} {name} as {role} in a {state} stage: "
                            f"expected {expected}, got {got}"
                        )
    assert not wrong, f"{len(wrong)} differences from the table:\n  " + "\n  ".join(wrong)


def _put_stage_in(scene: Scene, state: str) -> None:
    """The stage under test, in `state`: draft, then open as the scene was made; then
    voting and closed the real way (the carer votes; closing seals and records)."""
    facilitator = scene.people["facilitator"]
    if state in ("draft", "open"):
        Stage.objects.filter(pk=scene.stage.pk).update(state=state)
    elif state == "voting":
        stage = project_services.stage_transition(
            actor=facilitator, stage=scene.stage, to_state="voting"
        )
        decision_services.ballot_cast(
            actor=scene.people["carer_member"],
            stage=stage,
            raw={str(decision_services.stage_options(stage)[0].pk): 1},
        )
    else:
        decision_services.voting_close(actor=facilitator, stage=scene.stage)
        # What the close's after-commit signal does (nothing commits inside this test).
        evidence_services.pulse_open(actor=None, stage_id=scene.stage.pk)
    scene.stage.refresh_from_db()
    assert scene.stage.state == state
