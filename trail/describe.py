"""Plain-language lines for audit events: one sentence per event, and where it leads.

`describe()` writes the line an observer or facilitator reads in the trail ("Voting
opened on 'Priority setting' by Warm Lark"); `describe_text()` the same line as plain
text, for exports. `describe_for_members()` writes the shorter history members see:
what happened to the project, never who (it must not reveal who is a service user).
An action this module does not know still gets a sensible line, built from its name
("proposal.pinned by Warm Lark" reads "Proposal pinned by Warm Lark").

Secret ballots never get a line of their own: `ballot.*` events, and every other action
the registry keeps as counts only, are shown only as a count for each day
(`describe_ballot_day`, fed by `selectors.ballot_days`).

Speed: an export describes a million events, so each message is translated once per
page or export (`Words`), not once per event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_noop as N_

from coproduce.audit.events import EVENT_TYPES, Audience, names_seen_by
from coproduce.audit.models import BALLOT_PREFIX, STAGE_DETAIL_KEYS, SYSTEM_LABEL, is_counted
from delivery.models import ActionStatus, Answer


def is_secret(action: str) -> bool:
    """Whether events of this action are shown only as a count for each day."""
    return is_counted(action)


class EventLike(Protocol):
    action: str
    actor_id: int | None
    actor_label: str
    object_type: str
    object_id: str
    details: Any


@dataclass(frozen=True)
class Place:
    """Something an event is about that has a page: its name and address."""

    title: str
    url: str


class Words:
    """Messages translated once and kept: the active language does not change mid-page."""

    def __init__(self) -> None:
        self._singular: dict[str, str] = {}
        self._plural: dict[tuple[str, str, int], str] = {}

    def __call__(self, message: str) -> str:
        found = self._singular.get(message)
        if found is None:
            found = self._singular[message] = gettext(message)
        return found

    def plural(self, singular: str, plural: str, number: int) -> str:
        key = (singular, plural, number)
        found = self._plural.get(key)
        if found is None:
            found = self._plural[key] = ngettext(singular, plural, number)
        return found


@dataclass
class DescribeContext:
    """What the lines may link to, loaded once per page or export (never per event)."""

    project_url: str = ""
    stages: Mapping[str, Place] = field(default_factory=dict)
    proposal_urls: Mapping[str, str] = field(default_factory=dict)
    project_id: str = ""  # for the addresses of delivery's recommendations and actions
    words: Words = field(default_factory=Words)
    lines: dict[tuple[str, str, int | None], str] = field(default_factory=dict)
    # Erased people's names now ("Former member N"), by user id and by membership id:
    # events of format 1 keep the name they had (their hash covers it; format 2 events
    # were renamed at erasure), pages show this.
    actor_names: Mapping[int, str] = field(default_factory=dict)
    member_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """One event in words: plain text (for exports), HTML with links (for the page)."""

    text: str
    html: SafeString
    link: Place | None = None
    changes: tuple[tuple[str, str, str], ...] = ()


# --- Vocabulary -------------------------------------------------------------------

ROLE_WITH_ARTICLE = {
    "member": N_("a member"),
    "facilitator": N_("a facilitator"),
    "observer": N_("an observer"),
    "sponsor": N_("a sponsor"),
}
ROLE_CAPITALISED = {
    "member": N_("A member"),
    "facilitator": N_("A facilitator"),
    "observer": N_("An observer"),
    "sponsor": N_("A sponsor"),
}
FIELD_NAMES = {
    "title": N_("name"),
    "purpose": N_("purpose"),
    "easy_read_summary": N_("easy read summary"),
    "ground_rules": N_("ground rules"),
    "status": N_("status"),
    "kind": N_("kind of stage"),
    "description": N_("description"),
    "reflective_questions": N_("questions to reflect on"),
    "opens_at": N_("opening date"),
    "voting_opens_at": N_("voting date"),
    "closes_at": N_("closing date"),
    "proposals_allowed": N_("proposals allowed"),
    "comments_allowed": N_("comments allowed"),
    "comments_allowed_during_voting": N_("comments during voting"),
    "voting_method": N_("voting method"),
    "counting": N_("how votes are counted"),
    "display_name": N_("display name"),
    "full_name": N_("full name"),
    "time_zone": N_("time zone"),
    "larger_text": N_("larger text"),
    "reduced_motion": N_("less movement"),
    "easy_read_first": N_("easy read first"),
}
PROJECT_STATUS = {
    "active": N_("active"),
    "finished": N_("finished"),
    "archived": N_("archived"),
}
AUTHENTICATOR_KINDS = {
    "totp": N_("an authenticator app"),
    "recovery_codes": N_("recovery codes"),
    "webauthn": N_("a security key"),
}
EXPORT_FORMATS = {"csv": "CSV", "jsonl": "JSON Lines"}
REMOVED_STAGE = N_("a stage that was removed")

# The actions a person can filter by, in groups (the prefixes of the actions' names).
ACTION_GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "project": (gettext_lazy("The project"), ("project.",)),
    "stages": (gettext_lazy("Stages and their dates"), ("stage.",)),
    "people": (
        gettext_lazy("People joining, leaving and invitations"),
        ("membership.", "invitation."),
    ),
    "proposals": (gettext_lazy("Proposals and comments"), ("proposal.", "proposals.", "comment.")),
    "votes": (gettext_lazy("Votes (a count for each day)"), (BALLOT_PREFIX,)),
    "decisions": (gettext_lazy("Decision records"), ("decision.",)),
    "delivery": (gettext_lazy("Delivery: responses and actions"), ("delivery.",)),
    "record": (gettext_lazy("Exports of this record"), ("trail.",)),
}
# One kind of entry to filter by: each event type the registry offers in the filter.
ACTION_LABELS: dict[str, Any] = {
    name: gettext_lazy(found.label) for name, found in EVENT_TYPES.items() if found.label
}


def _details(event: EventLike) -> Mapping[str, Any]:
    details = event.details
    return details if isinstance(details, Mapping) else {}


def _actor(event: EventLike, context: DescribeContext) -> str:
    if event.actor_id is None:
        if event.actor_label == SYSTEM_LABEL:
            return context.words(N_("the system (at the time set)"))
        return event.actor_label
    return context.actor_names.get(event.actor_id, event.actor_label)


def _member_name(event: EventLike, context: DescribeContext) -> str | None:
    """The person a membership event is about, as named now if they were erased."""
    if event.object_type == "membership":
        return context.member_names.get(event.object_id)
    return None


def _field_list(names: list[str], words: Words) -> str:
    return ", ".join(
        words(FIELD_NAMES[name]) if name in FIELD_NAMES else name.replace("_", " ")
        for name in names
    )


def _word(table: Mapping[str, str], key: str, words: Words) -> str:
    return words(table[key]) if key in table else key


def stage_ref(event: EventLike) -> str:
    """The stage an event is about: the event's object, or a stage named in its details."""
    if event.object_type == "stage":
        return event.object_id
    details = _details(event)
    for key in STAGE_DETAIL_KEYS:
        if details.get(key):
            return str(details[key])
    return ""


def _stage_place(event: EventLike, context: DescribeContext) -> tuple[str, Place | None]:
    ref = stage_ref(event)
    place = context.stages.get(ref)
    if place is not None:
        return place.title, place
    # A stage removed since: the title the event kept.
    return str(_details(event).get("title") or context.words(REMOVED_STAGE)), None


# --- Sentences --------------------------------------------------------------------


def _registered(action: str) -> str:
    """The registry's sentence for an event type (coproduce/audit/events.py)."""
    return EVENT_TYPES[action].sentence


Sentence = tuple[str, dict[str, Any]]
Writer = Callable[[EventLike, DescribeContext], Sentence]


def _fixed(
    message: str, extra: Callable[[EventLike, Words], dict[str, Any]] | None = None
) -> Writer:
    def write(event: EventLike, context: DescribeContext) -> Sentence:
        return context.words(message), extra(event, context.words) if extra else {}

    # A line made of the message and the actor alone can be written once per actor.
    write.depends_on_actor_only = extra is None and "%(stage)s" not in message  # type: ignore[attr-defined]
    return write


def _project_updated(event: EventLike, context: DescribeContext) -> Sentence:
    words = context.words
    details = _details(event)
    status = details.get("status")
    if isinstance(status, list) and len(status) == 2:
        return words(N_("Project marked as %(status)s by %(actor)s")), {
            "status": _word(PROJECT_STATUS, str(status[1]), words)
        }
    changed = [name for name in details.get("changed", []) if name != "status"]
    return words(_registered("project.updated")), {
        "fields": _field_list(changed, words) or words(N_("no details given"))
    }


def _stage_updated(event: EventLike, context: DescribeContext) -> Sentence:
    words = context.words
    details = _details(event)
    changed = [name for name in details if name != "texts_changed"]
    changed += list(details.get("texts_changed", []))
    return words(_registered("stage.updated")), {
        "fields": _field_list(changed, words) or words(N_("no details given"))
    }


def _stage_closed(event: EventLike, context: DescribeContext) -> Sentence:
    if _details(event).get("from") == "voting":
        return context.words(N_("Voting closed on '%(stage)s' by %(actor)s")), {}
    return context.words(_registered("stage.closed")), {}


def _membership_started(event: EventLike, context: DescribeContext) -> Sentence:
    details = _details(event)
    return context.words(_registered("membership.started")), {
        "person": _member_name(event, context) or details.get("person") or _actor(event, context),
        "role": _word(ROLE_WITH_ARTICLE, str(details.get("role", "")), context.words),
    }


def _role(event: EventLike, words: Words) -> dict[str, Any]:
    return {"role": _word(ROLE_WITH_ARTICLE, str(_details(event).get("role", "")), words)}


def _membership_person(action: str) -> Writer:
    """A leaving line naming the person as they are named now (erased: 'Former member N')."""

    def write(event: EventLike, context: DescribeContext) -> Sentence:
        person = _member_name(event, context) or _details(event).get("person")
        return context.words(_registered(action)), {
            "person": person or context.words(N_("someone"))
        }

    return write


def _account_erased(event: EventLike, context: DescribeContext) -> Sentence:
    if _details(event).get("by") == "administrator":
        return context.words(N_("An account was erased by %(actor)s, an administrator")), {}
    return context.words(_registered("account.erased")), {}


def _count(event: EventLike, words: Words) -> dict[str, Any]:
    return {"count": _details(event).get("count", "?")}


def _position(event: EventLike, words: Words) -> dict[str, Any]:
    return {"position": _details(event).get("position", "?")}


def _changed_fields(event: EventLike, words: Words) -> dict[str, Any]:
    return {"fields": _field_list(list(_details(event).get("changed", [])), words)}


def _authenticator(event: EventLike, words: Words) -> dict[str, Any]:
    return {"kind": _word(AUTHENTICATOR_KINDS, str(_details(event).get("type", "")), words)}


def _proposal_merged(event: EventLike, context: DescribeContext) -> Sentence:
    count = len(_details(event).get("originals", []))
    if not count:
        return context.words(_registered("proposal.merged")), {}
    return context.words.plural(
        N_("%(count)s proposal combined into another by %(actor)s"),
        N_("%(count)s proposals combined into one by %(actor)s"),
        count,
    ), {"count": count}


def _carried_forward(event: EventLike, context: DescribeContext) -> Sentence:
    count = len(_details(event).get("proposals", []))
    if not count:
        return context.words(_registered("proposals.carried_forward")), {}
    return context.words.plural(
        N_("%(count)s proposal carried forward to '%(stage)s' by %(actor)s"),
        N_("%(count)s proposals carried forward to '%(stage)s' by %(actor)s"),
        count,
    ), {"count": count}


def _exported(event: EventLike, context: DescribeContext) -> Sentence:
    details = _details(event)
    chosen = str(details.get("format", ""))
    values = {"format": EXPORT_FORMATS.get(chosen, chosen)}
    if details.get("filters"):
        return context.words(N_("Record exported as %(format)s, filtered, by %(actor)s")), values
    return context.words(_registered("trail.exported")), values


def _verified(event: EventLike, context: DescribeContext) -> Sentence:
    details = _details(event)
    if details.get("intact") is False:
        return context.words(
            N_("Record checked by %(actor)s: a problem found at entry %(sequence)s")
        ), {"sequence": details.get("first_bad_sequence") or "?"}
    return context.words(_registered("trail.verified")), {}


def _delivery_word(value: Any) -> str:
    """A status, an answer or a date of a delivery event, in words."""
    text = str(value or "")
    for choices in (ActionStatus, Answer):
        if text in choices.values:
            return str(choices(text).label).lower()
    return text or "-"


def _delivery_values(event: EventLike, words: Words) -> dict[str, Any]:
    """Before and after (a status or a date), the answer and the count of a delivery event."""
    details = _details(event)
    pair = details.get("status") or details.get("due_on") or ["", ""]
    before, after = ([*pair, "", ""])[:2] if isinstance(pair, list) else ("", "")
    return {
        "before": _delivery_word(before),
        "after": _delivery_word(after),
        "answer": _delivery_word(details.get("answer")),
        "count": details.get("count", "?"),
    }


DELIVERY_PREFIX = "delivery."

# "delivery.action_changed", by what changed: (the trail's line, the members' line).
_ACTION_CHANGED = {
    (True, False): (
        N_("Date a delivery action is due changed by %(actor)s, from %(before)s to %(after)s"),
        N_("The date a delivery action is due changed, from %(before)s to %(after)s"),
    ),
    (False, True): (
        N_("Delivery action given to a new owner by %(actor)s"),
        N_("A delivery action was given to a new owner"),
    ),
    (True, True): (
        N_(
            "Delivery action given to a new owner by %(actor)s, and its due date changed "
            "from %(before)s to %(after)s"
        ),
        N_(
            "A delivery action was given to a new owner, and its due date changed from "
            "%(before)s to %(after)s"
        ),
    ),
}


def _action_changed(event: EventLike, words: Words, *, for_members: bool) -> Sentence:
    """Which of the owner and the due date changed, in words (and the dates)."""
    details = _details(event)
    found = _ACTION_CHANGED.get(("due_on" in details, "owner" in details))
    if found is None:
        registered = EVENT_TYPES["delivery.action_changed"]
        message = registered.member_sentence if for_members else registered.sentence
    else:
        message = found[1] if for_members else found[0]
    return words(message), _delivery_values(event, words)


# What a sentence of the registry needs from an event's details, beyond actor and stage.
_EXTRAS: dict[str, Callable[[EventLike, Words], dict[str, Any]]] = {
    "stage.moved": _position,
    "invitation.sent": _role,
    "invitation.revoked": _role,
    "invitation.accepted": _role,
    "profile.updated": _changed_fields,
    "mfa.authenticator_added": _authenticator,
    "mfa.authenticator_removed": _authenticator,
    "mfa.authenticator_reset": _authenticator,
    "retention.invitation_addresses_removed": _count,
    "retention.participation_deleted": _count,
    "retention.notifications_deleted": _count,
    "payments.attendance_claims_made": _count,
    **{name: _delivery_values for name in EVENT_TYPES if name.startswith(DELIVERY_PREFIX)},
}
# Events whose line varies with what happened (a variant of the registry's sentence).
_VARIANTS: dict[str, Writer] = {
    "project.updated": _project_updated,
    "stage.updated": _stage_updated,
    "stage.closed": _stage_closed,
    "membership.started": _membership_started,
    "proposal.merged": _proposal_merged,
    "proposals.carried_forward": _carried_forward,
    "trail.exported": _exported,
    "account.erased": _account_erased,
    "membership.left": _membership_person("membership.left"),
    "membership.removed": _membership_person("membership.removed"),
    "trail.verified": _verified,
    "delivery.action_changed": lambda event, context: _action_changed(
        event, context.words, for_members=False
    ),
}
# One writer for each event type shown one by one: the registry's sentence, or its variant.
WRITERS: dict[str, Writer] = {
    name: _VARIANTS.get(name) or _fixed(found.sentence, _EXTRAS.get(name))
    for name, found in EVENT_TYPES.items()
    if found.seen_by != Audience.COUNTS_ONLY
}


def _action_in_words(action: str) -> str:
    thing, _dot, verb = action.partition(".")
    return f"{thing.replace('_', ' ')} {verb.replace('_', ' ')}".strip().capitalize()


def _generic(event: EventLike, context: DescribeContext) -> Sentence:
    """A line for an action this module does not know yet: its name in words."""
    what = _action_in_words(event.action) or context.words(N_("Something happened"))
    return context.words(N_("%(what)s by %(actor)s")), {"what": what}


_generic.depends_on_actor_only = True  # type: ignore[attr-defined]


def _sentence(
    event: EventLike, context: DescribeContext
) -> tuple[str, dict[str, Any], Place | None]:
    template, values = WRITERS.get(event.action, _generic)(event, context)
    values["actor"] = _actor(event, context)
    if "person" in values and event.object_type == "membership":
        values["person"] = _member_name(event, context) or values["person"]
    place = None
    if "%(stage)s" in template:
        values["stage"], place = _stage_place(event, context)
    return template, values, place


def _render(template: str, values: dict[str, Any], stage: Place | None) -> tuple[str, SafeString]:
    text = template % values
    escaped = {key: conditional_escape(str(value)) for key, value in values.items()}
    if stage is not None and "stage" in values:
        escaped["stage"] = mark_safe(  # noqa: S308 (both parts are escaped)
            f'<a href="{conditional_escape(stage.url)}">{conditional_escape(stage.title)}</a>'
        )
    html = mark_safe(conditional_escape(template) % escaped)  # noqa: S308 (escaped above)
    return text, html


def _delivery_link(event: EventLike, context: DescribeContext) -> Place | None:
    """A delivery event leads to its recommendation or action (never removed: their
    addresses are made from the ids the event kept, without reading the database)."""
    if not context.project_id or not event.action.startswith(DELIVERY_PREFIX):
        return None
    details = _details(event)
    action_id = event.object_id if event.object_type == "action" else details.get("action")
    if action_id:
        url = reverse(
            "delivery:action", kwargs={"project_id": context.project_id, "action_id": action_id}
        )
        return Place(context.words(N_("Open the action")), url)
    recommendation_id = (
        event.object_id if event.object_type == "recommendation" else details.get("recommendation")
    )
    if recommendation_id:
        url = reverse(
            "delivery:recommendation",
            kwargs={"project_id": context.project_id, "recommendation_id": recommendation_id},
        )
        return Place(context.words(N_("Open the recommendation")), url)
    return None


def _link(event: EventLike, context: DescribeContext, has_stage_link: bool) -> Place | None:
    """Where the event leads: its proposal, the project, or the stage it happened in."""
    words = context.words
    if event.object_type in ("proposal", "comment"):
        proposal_id = (
            event.object_id
            if event.object_type == "proposal"
            else str(_details(event).get("proposal", ""))
        )
        url = context.proposal_urls.get(proposal_id)
        if url:
            return Place(words(N_("Open the proposal")), url)
    if event.object_type == "project" and context.project_url:
        return Place(words(N_("Open the project")), context.project_url)
    delivery_place = _delivery_link(event, context)
    if delivery_place is not None:
        return delivery_place
    if not has_stage_link:
        place = context.stages.get(stage_ref(event))
        if place is not None:
            return Place(
                words(N_("Open the stage '%(stage)s'")) % {"stage": place.title}, place.url
            )
    return None


def _changes(event: EventLike, words: Words) -> tuple[tuple[str, str, str], ...]:
    """The before and after values a stage's settings change (or a delivery change) kept."""
    if event.action in (
        "delivery.action_status_changed",
        "delivery.response_due_set",
        "delivery.action_changed",
    ):
        if event.action == "delivery.action_changed" and "due_on" not in _details(event):
            return ()  # a new owner only: the line says so (the record keeps no name)
        values = _delivery_values(event, words)
        label = words(N_("Status") if "status" in _details(event) else N_("Due by"))
        return ((label, values["before"], values["after"]),)
    if event.action != "stage.updated":
        return ()
    rows = []
    for name, value in _details(event).items():
        if isinstance(value, list) and len(value) == 2:
            label = words(FIELD_NAMES[name]) if name in FIELD_NAMES else name.replace("_", " ")
            rows.append((label.capitalize(), str(value[0]), str(value[1])))
    return tuple(rows)


def depends_on_actor_only(action: str) -> bool:
    """Whether every event of this action by the same person reads the same."""
    return getattr(WRITERS.get(action, _generic), "depends_on_actor_only", False)


def describe_text(event: EventLike, context: DescribeContext) -> str:
    """The line as plain text (exports: no links, no HTML).

    Most events of a long trail (proposals, comments) read "<what> by <who>": those
    lines are written once per action and person, then reused (an export describes
    a million events).
    """
    key = (event.action, event.actor_label, event.actor_id)
    line = context.lines.get(key)
    if line is None:
        template, values, _place = _sentence(event, context)
        line = template % values
        if depends_on_actor_only(event.action):
            context.lines[key] = line
    return line


def describe(event: EventLike, context: DescribeContext) -> Line:
    """The line for the full trail (facilitators and observers), with where it leads."""
    template, values, place = _sentence(event, context)
    text, html = _render(template, values, place)
    return Line(
        text=text,
        html=html,
        link=_link(event, context, has_stage_link=place is not None),
        changes=_changes(event, context.words),
    )


# --- The members' history: what happened to the project, never who ----------------

# The events everyone in the project sees, in the members' history (never who).
MEMBER_HISTORY_ACTIONS = names_seen_by(Audience.MEMBERS)
# The events only the project's facilitators see: never on an observer's or a sponsor's
# trail page, nor in their exports.
FACILITATOR_ACTIONS = names_seen_by(Audience.FACILITATORS)

_MEMBER_MESSAGES = {
    name: found.member_sentence
    for name, found in EVENT_TYPES.items()
    if found.seen_by == Audience.MEMBERS and found.member_sentence
}


def _member_sentence(event: EventLike, context: DescribeContext) -> Sentence:
    words = context.words
    details = _details(event)
    role = str(details.get("role", ""))
    someone = {"someone": _word(ROLE_CAPITALISED, role, words) if role else words(N_("Someone"))}
    if event.action == "project.updated":
        status = details.get("status")
        if isinstance(status, list) and len(status) == 2:
            return words(N_("The project was marked as %(status)s")), {
                "status": _word(PROJECT_STATUS, str(status[1]), words)
            }
        return words(N_("The project's details were updated")), {}
    if event.action == "stage.closed":
        if details.get("from") == "voting":
            return words(N_("Voting closed on '%(stage)s'")), {}
        return words(N_("Stage '%(stage)s' closed")), {}
    if event.action == "delivery.action_changed":
        return _action_changed(event, words, for_members=True)
    if event.action.startswith(DELIVERY_PREFIX) and event.action in _MEMBER_MESSAGES:
        return words(_MEMBER_MESSAGES[event.action]), _delivery_values(event, words)
    if event.action in _MEMBER_MESSAGES:
        message = _MEMBER_MESSAGES[event.action]
        return words(message), someone if "%(someone)s" in message else {}
    return "%(what)s", {"what": _action_in_words(event.action)}


def describe_for_members(event: EventLike, context: DescribeContext) -> Line:
    """The line for the members' history: no names, so nobody is singled out."""
    template, values = _member_sentence(event, context)
    place = None
    if "%(stage)s" in template:
        values["stage"], place = _stage_place(event, context)
    text, html = _render(template, values, place)
    return Line(text=text, html=html)


# --- Votes -----------------------------------------------------------------------

_BALLOT_MESSAGES = {
    name: (found.sentence, found.plural)
    for name, found in EVENT_TYPES.items()
    if found.seen_by == Audience.COUNTS_ONLY
}


def describe_ballot_day(
    *, action: str, members: int, stage_title: str, stage: Place | None, words: Words
) -> Line:
    """A day's votes in one stage, as a count: never who, never when in the day."""
    values: dict[str, Any] = {"count": members, "stage": stage_title}
    if action in _BALLOT_MESSAGES:
        template = words.plural(*_BALLOT_MESSAGES[action], members)
    else:
        template = words.plural(
            N_("%(count)s member in '%(stage)s': %(what)s"),
            N_("%(count)s members in '%(stage)s': %(what)s"),
            members,
        )
        values["what"] = _action_in_words(action)
    text, html = _render(template, values, stage)
    return Line(text=text, html=html)
