"""Reads of a project's audit trail: filtered, newest first, keyset-paged.

Paging is by the event's position in the project's chain (`sequence`, which only
grows), never by OFFSET: the thousandth page costs what the first one does.

Secret ballots: `ballot.*` events, and the other actions the registry keeps as counts
only (a pulse answered, an anonymous reflection), never appear one by one. They are
read only as `ballot_days()`: for each day (in the site's time zone, the same for every
reader) and stage, how many members voted (or answered). Today's are counted from
tomorrow, so refreshing the page cannot time a vote either.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, Max, Q, QuerySet, TextField, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import (
    COUNTED_ACTIONS,
    AuditDayCount,
    AuditEvent,
    AuditVerification,
    counted_actions,
)
from coproduce.audit.record import ballot_zone
from coproduce.audit.verify import Head
from coproduce.text import MAX_BIGINT, parse_bounded_int
from projects.models import Membership, Project, Stage
from trail.describe import (
    ACTION_GROUPS,
    BALLOT_PREFIX,
    FACILITATOR_ACTIONS,
    MEMBER_HISTORY_ACTIONS,
    REMOVED_STAGE,
    STAGE_DETAIL_KEYS,
    DescribeContext,
    Line,
    Place,
    describe,
    describe_ballot_day,
    describe_for_members,
    is_secret,
)
from trail.models import AuditExport

PAGE_SIZE = 50
SYSTEM_PERSON = "system"


@dataclass(frozen=True)
class TrailFilters:
    """What a reader narrowed the trail to. Empty values mean "everything"."""

    action: str = ""  # "group:<name>" or one action, e.g. "stage.voting_opened"
    person: str = ""  # a person's id, or "system"
    stage: str = ""  # a stage's id
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    time_zone: str = settings.DEFAULT_USER_TIME_ZONE  # the reader's, for the dates above

    @property
    def active(self) -> bool:
        return bool(self.action or self.person or self.stage or self.date_from or self.date_to)

    def to_json(self) -> dict[str, Any]:
        """The filters as plain JSON (for the export job and the audit event)."""
        data = asdict(self)
        for name in ("date_from", "date_to"):
            data[name] = data[name].isoformat() if data[name] else None
        return {key: value for key, value in data.items() if value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrailFilters:
        values = dict(data)
        for name in ("date_from", "date_to"):
            if values.get(name):
                values[name] = dt.date.fromisoformat(values[name])
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        return cls(**known)

    def _zone(self) -> dt.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)

    def start(self) -> dt.datetime | None:
        if self.date_from is None:
            return None
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=self._zone())

    def end(self) -> dt.datetime | None:
        """The first moment after the last day asked for."""
        if self.date_to is None:
            return None
        next_day = self.date_to + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time.min, tzinfo=self._zone())


def _action_prefixes(action: str) -> tuple[str, ...] | None:
    if action.startswith("group:"):
        group = ACTION_GROUPS.get(action.removeprefix("group:"))
        return group[1] if group else ()
    return None


def _stage_condition(stage_id: str) -> Q:
    condition = Q(object_type="stage", object_id=stage_id)
    for key in STAGE_DETAIL_KEYS:
        condition |= Q(**{f"details__{key}": stage_id})
    return condition


def events_queryset(
    project_id: object,
    filters: TrailFilters,
    *,
    up_to: int | None = None,
    with_facilitator_entries: bool = False,
) -> QuerySet[AuditEvent]:
    """The project's events that match the filters, ballots and every other counted
    action left out (see `ballot_days`).

    The entries only facilitators see (a member's payments) are left out unless
    `with_facilitator_entries` (see `reads_facilitator_entries`): forgetting to ask for
    them hides them, never shows them (`projects.permissions.can_read_facilitator_entries`).
    """
    # Two conditions, not `~counted_actions()`: "not a ballot" alone is the predicate of
    # the index `audit_without_ballots`, which then serves every page.
    events = (
        AuditEvent.objects.filter(project_id=project_id)
        .exclude(action__startswith=BALLOT_PREFIX)
        .exclude(action__in=COUNTED_ACTIONS)
    )
    if not with_facilitator_entries:
        events = events.exclude(action__in=FACILITATOR_ACTIONS)
    if up_to is not None:
        events = events.filter(sequence__lte=up_to)
    prefixes = _action_prefixes(filters.action)
    if prefixes is not None:
        condition = Q(pk__in=[])
        for prefix in prefixes:
            condition |= Q(action__startswith=prefix)
        events = events.filter(condition)
    elif filters.action:
        events = events.filter(action=filters.action)
    if filters.person == SYSTEM_PERSON:
        events = events.filter(actor_id__isnull=True)
    elif (actor_id := parse_bounded_int(filters.person, minimum=1, maximum=MAX_BIGINT)) is not None:
        events = events.filter(actor_id=actor_id)
    elif filters.person:
        events = events.none()
    if filters.stage:
        events = events.filter(_stage_condition(filters.stage))
    if filters.start():
        events = events.filter(created_at__gte=filters.start())
    if filters.end():
        events = events.filter(created_at__lt=filters.end())
    return events


@dataclass(frozen=True)
class TrailPage:
    events: list[AuditEvent]
    older: int | None  # the cursor for the next older page, if there is one
    newer: int | None  # the cursor for the next newer page, if there is one


def trail_page(
    events: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> TrailPage:
    """One page of events, newest first: those before (older than) or after a position."""
    if after is not None:
        rows = list(events.filter(sequence__gt=after).order_by("sequence")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        more_older = bool(rows) and events.filter(sequence__lt=rows[-1].sequence).exists()
    else:
        events_here = events.filter(sequence__lt=before) if before is not None else events
        rows = list(events_here.order_by("-sequence")[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        more_newer = (
            before is not None
            and bool(rows)
            and events.filter(sequence__gt=rows[0].sequence).exists()
        )
    return TrailPage(
        events=rows,
        older=rows[-1].sequence if rows and more_older else None,
        newer=rows[0].sequence if rows and more_newer else None,
    )


# --- Votes, a count per day -------------------------------------------------------


def _today() -> dt.date:
    return timezone.now().astimezone(ballot_zone()).date()


def _today_starts() -> dt.datetime:
    return dt.datetime.combine(_today(), dt.time.min, tzinfo=ballot_zone())


@dataclass(frozen=True)
class BallotDay:
    day: dt.date
    stage_id: str
    action: str
    members: int


def ballot_days(
    project_id: object, filters: TrailFilters, *, up_to: int | None = None, limit: int = 400
) -> list[BallotDay]:
    """How many members voted (or did another counted action), each day, in each stage:
    counts only, newest day first.

    The pages read the counts `record()` keeps beside the chain (`AuditDayCount`): one
    index range, however many votes there are. An export pinned to a position of the
    chain (`up_to`) works them out from the events up to it, which say the same (each
    member once a day, and each event with no person once).
    """
    if filters.person:
        return []  # a count for one person would say when they voted
    prefixes = _action_prefixes(filters.action)
    if prefixes is not None and not _counted_among(prefixes):
        return []
    if prefixes is None and filters.action and not is_secret(filters.action):
        return []
    if up_to is None:
        rows = AuditDayCount.objects.filter(
            counted_actions(), project_id=project_id, day__lt=_today()
        ).values("day", "stage_ref", "action", "members")
    else:
        events = AuditEvent.objects.filter(
            counted_actions(),
            project_id=project_id,
            created_at__lt=_today_starts(),
            sequence__lte=up_to,
        )
        rows = (
            events.annotate(
                day=TruncDate("created_at", tzinfo=ballot_zone()), stage_ref=_stage_ref_expression()
            )
            .values("day", "stage_ref", "action")
            .annotate(
                members=Count("actor_id", distinct=True)
                + Count("pk", filter=Q(actor_id__isnull=True))
            )
        )
    if prefixes:
        condition = Q(pk__in=[])
        for prefix in prefixes:
            condition |= Q(action__startswith=prefix)
        rows = rows.filter(condition)
    elif filters.action:
        rows = rows.filter(action=filters.action)
    if filters.stage:
        rows = rows.filter(stage_ref=filters.stage)
    if filters.date_from:
        rows = rows.filter(day__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(day__lte=filters.date_to)
    return [
        BallotDay(row["day"], row["stage_ref"], row["action"], row["members"])
        for row in rows.order_by("-day", "stage_ref", "action")[:limit]
    ]


def _counted_among(prefixes: Sequence[str]) -> bool:
    """Whether a group of actions (by their names' prefixes) holds any counted action."""
    return any(
        prefix.startswith(BALLOT_PREFIX)
        or BALLOT_PREFIX.startswith(prefix)
        or any(name.startswith(prefix) for name in COUNTED_ACTIONS)
        for prefix in prefixes
    )


def _stage_ref_expression() -> Coalesce:
    """The stage an event is about, in SQL: its object when that is a stage, else the
    first stage its details name (the same rule as `describe._stage_ref`)."""
    text = TextField()
    return Coalesce(
        Case(When(object_type="stage", then=Cast("object_id", text)), default=None),
        *[KeyTextTransform(key, "details") for key in STAGE_DETAIL_KEYS],
        Value(""),
        output_field=text,
    )


# --- Describing a page of events ---------------------------------------------------


@dataclass(frozen=True)
class People:
    """Everyone who has been in a project, read once for a page: the "person" filter's
    choices, and the names erased people have now ("Former member N"), by user id and by
    membership id (the trail shows these, not the names it kept)."""

    choices: list[tuple[str, str]]
    actor_names: dict[int, str]
    member_names: dict[str, str]


def project_people(project: Project) -> People:
    """The project's people (current or not), in one query."""
    rows = (
        Membership.objects.filter(project=project)
        .order_by("user__display_name", "user_id")
        .values_list("pk", "user_id", "user__display_name", "user__erased_at")
    )
    choices: dict[str, str] = {}
    actor_names: dict[int, str] = {}
    member_names: dict[str, str] = {}
    for membership_id, user_id, name, erased_at in rows:
        choices.setdefault(str(user_id), name)
        if erased_at is not None:
            actor_names[user_id] = name
            member_names[str(membership_id)] = name
    return People(list(choices.items()), actor_names, member_names)


def describe_context(
    project: Project,
    stages: Sequence[Stage],
    *,
    events: Iterable[AuditEvent] = (),
    people: People | None = None,
) -> DescribeContext:
    """What lines may link to: the stages (already loaded) and the proposals of the page."""
    places = {str(stage.pk): Place(stage.title, stage.get_absolute_url()) for stage in stages}
    if people is None:
        actor_names, member_names = _erased_names(project)
    else:
        actor_names, member_names = people.actor_names, people.member_names
    return DescribeContext(
        project_url=project.get_absolute_url(),
        stages=places,
        proposal_urls=_proposal_urls(project, events),
        project_id=str(project.pk),
        actor_names=actor_names,
        member_names=member_names,
    )


def _erased_names(project: Project) -> tuple[dict[int, str], dict[str, str]]:
    """The names erased people of the project have now, in one query (for a page that
    does not need everyone: see `project_people`)."""
    rows = Membership.objects.filter(project=project, user__erased_at__isnull=False).values_list(
        "pk", "user_id", "user__display_name"
    )
    actor_names: dict[int, str] = {}
    member_names: dict[str, str] = {}
    for membership_id, user_id, name in rows:
        actor_names[user_id] = name
        member_names[str(membership_id)] = name
    return actor_names, member_names


def _proposal_urls(project: Project, events: Iterable[AuditEvent]) -> dict[str, str]:
    """Addresses of the proposals a page of events speaks of, in one query."""
    from decisions.models import Proposal

    wanted = set()
    for event in events:
        if event.object_type == "proposal":
            wanted.add(event.object_id)
        elif (
            event.object_type == "comment"
            and isinstance(event.details, dict)
            and event.details.get("proposal")
        ):
            wanted.add(str(event.details["proposal"]))
    if not wanted:
        return {}
    rows = Proposal.objects.filter(
        pk__in=[value for value in wanted if _is_uuid(value)], stage__project=project
    ).values_list("pk", "stage_id")
    return {
        str(pk): reverse(
            "decisions:proposal",
            kwargs={"project_id": project.pk, "stage_id": stage_id, "proposal_id": pk},
        )
        for pk, stage_id in rows
    }


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class TrailEntry:
    event: AuditEvent
    line: Line


def trail_entries(events: Iterable[AuditEvent], context: DescribeContext) -> list[TrailEntry]:
    return [TrailEntry(event, describe(event, context)) for event in events]


def history_entries(events: Iterable[AuditEvent], context: DescribeContext) -> list[TrailEntry]:
    return [TrailEntry(event, describe_for_members(event, context)) for event in events]


@dataclass(frozen=True)
class BallotEntry:
    day: dt.date
    line: Line


def ballot_entries(days: Iterable[BallotDay], context: DescribeContext) -> list[BallotEntry]:
    entries = []
    for day in days:
        place = context.stages.get(day.stage_id)
        line = describe_ballot_day(
            action=day.action,
            members=day.members,
            stage_title=place.title if place else context.words(REMOVED_STAGE),
            stage=place,
            words=context.words,
        )
        entries.append(BallotEntry(day.day, line))
    return entries


def member_history_queryset(project_id: object) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(project_id=project_id, action__in=MEMBER_HISTORY_ACTIONS)


# --- People, verification and exports --------------------------------------------


def last_sequence(project_id: object) -> int:
    """The position of the newest event in the project's chain (0 when it has none)."""
    found = AuditEvent.objects.filter(project_id=project_id).aggregate(last=Max("sequence"))
    return found["last"] or 0


def latest_verification(project_id: object) -> AuditVerification | None:
    return (
        AuditVerification.objects.filter(project_id=project_id)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
        .first()
    )


def latest_finished_verification(project_id: object) -> AuditVerification | None:
    return (
        AuditVerification.objects.filter(project_id=project_id, finished_at__isnull=False)
        .select_related("requested_by")
        .order_by("-finished_at", "-pk")
        .first()
    )


def exports_for(user: Any, project_id: object, *, limit: int = 5) -> list[AuditExport]:
    """The person's own recent exports of this project that are still worth showing."""
    return list(
        AuditExport.objects.filter(
            project_id=project_id, requested_by=user, expires_at__gt=timezone.now()
        )
        .exclude(status=AuditExport.Status.EXPIRED)
        .order_by("-created_at")[:limit]
    )


def get_export_for_user(user: Any, project_id: object, export_id: object) -> AuditExport:
    """The export if this person asked for it, in this project; otherwise 404."""
    try:
        pk = uuid.UUID(str(export_id))
    except ValueError:
        raise Http404 from None
    export = AuditExport.objects.filter(pk=pk, project_id=project_id, requested_by=user).first()
    if export is None:
        raise Http404
    return export


def recent_anchors(project_id: object, *, limit: int = 30) -> list[AuditVerification]:
    """The latest finished checks, newest first, with the head each intact one saw."""
    return list(
        AuditVerification.objects.filter(project_id=project_id, finished_at__isnull=False)
        .select_related("requested_by")
        .order_by("-finished_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class DecisionAnchor:
    stage_title: str
    decided_at: dt.datetime
    head: Head


def decision_anchors(project: Project) -> list[DecisionAnchor]:
    """The head of the trail each decision record of the project carries, newest first."""
    from decisions.models import DecisionRecord

    rows = (
        DecisionRecord.objects.filter(stage__project=project)
        .exclude(trail_head="")
        .order_by("-created_at")
        .values_list("stage__title", "created_at", "trail_head")
    )
    found = []
    for title, created_at, text in rows:
        head = Head.parse(text)
        if head is not None:
            found.append(DecisionAnchor(title, created_at, head))
    return found
