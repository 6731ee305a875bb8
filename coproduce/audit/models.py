"""One table of audit events, append-only in PostgreSQL and hash-chained per project."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.audit.events import EVENT_TYPES, Audience

# Events whose action starts so are secret ballots: never shown one by one, only counted
# for each day (`AuditDayCount`).
BALLOT_PREFIX = "ballot."
# The other actions never shown one by one (the registry's "counts only": a pulse
# answered, an anonymous reflection), counted for each day like the ballots.
COUNTED_ACTIONS: tuple[str, ...] = tuple(
    name
    for name, found in EVENT_TYPES.items()
    if found.seen_by == Audience.COUNTS_ONLY and not name.startswith(BALLOT_PREFIX)
)


def is_counted(action: str) -> bool:
    """Whether events of this action are kept as a count for each day, never one by one."""
    return action.startswith(BALLOT_PREFIX) or action in COUNTED_ACTIONS


def counted_actions() -> Q:
    """The condition for the actions `is_counted` says yes to, for a query."""
    return Q(action__startswith=BALLOT_PREFIX) | Q(action__in=COUNTED_ACTIONS)


# Details keys through which an event names the stage it happened in (when its object
# is not the stage itself), in the order they are looked at.
STAGE_DETAIL_KEYS = ("stage", "stage_id", "from_stage")


# The name an erased account has ("Former member N", participants.models
# FORMER_MEMBER_PREFIX: the same words, checked by a test). A name may be replaced in
# the trail only by such a name.
FORGOTTEN_NAME_PREFIX = "Former member"

# The one UPDATE the table accepts (`forget_names`): an event of format 2 whose salt is
# still there loses it, and only its names may change (the actor's label and the
# "person" of its details, a key it already had), each either left as it was or made
# the name the erased account it is about has now ("Former member N": the actor's own
# account, or the account of the membership the event is about), at least one of them
# so; every other column, those added later included, stays as it was. So nobody can
# give an entry of someone still here an erased account's name. (The accounts' and
# memberships' tables are named here as the database knows them.)
_ACTOR_ERASED = f"""EXISTS (
                        SELECT 1 FROM participants_user AS account
                        WHERE account.id = OLD.actor_id AND account.erased_at IS NOT NULL
                          AND account.display_name = NEW.actor_label
                          AND NEW.actor_label LIKE '{FORGOTTEN_NAME_PREFIX} %')"""  # noqa: S608
_PERSON_ERASED = f"""(OLD.object_type = 'membership' AND EXISTS (
                        SELECT 1 FROM projects_membership AS membership
                        JOIN participants_user AS account ON account.id = membership.user_id
                        WHERE membership.id::text = OLD.object_id
                          AND account.erased_at IS NOT NULL
                          AND account.display_name = NEW.details ->> 'person'
                          AND NEW.details ->> 'person' LIKE '{FORGOTTEN_NAME_PREFIX} %'))"""  # noqa: S608
NAMES_FORGOTTEN_ONLY = f"""(
                    NEW.hash_version = 2
                    AND OLD.hash_version = 2
                    AND OLD.label_salt IS NOT NULL
                    AND NEW.label_salt IS NULL
                    AND jsonb_typeof(OLD.details) = 'object'
                    AND jsonb_typeof(NEW.details) = 'object'
                    AND OLD.details - 'person' = NEW.details - 'person'
                    AND (OLD.details ? 'person') = (NEW.details ? 'person')
                    AND to_jsonb(OLD) - 'actor_label' - 'label_salt' - 'details'
                        = to_jsonb(NEW) - 'actor_label' - 'label_salt' - 'details'
                    AND (NEW.actor_label = OLD.actor_label OR {_ACTOR_ERASED})
                    AND (NEW.details ->> 'person' IS NOT DISTINCT FROM OLD.details ->> 'person'
                         OR {_PERSON_ERASED})
                    AND ({_ACTOR_ERASED} OR {_PERSON_ERASED})
                )"""


class AuditEvent(models.Model):
    """Something that changed, who changed it and when. Never updated, never deleted."""

    # The chain an event belongs to: a project's id, or None for site-wide events.
    project_id = models.UUIDField(null=True, blank=True, db_index=True)
    sequence = models.PositiveBigIntegerField()
    action = models.CharField(max_length=64)
    # No foreign key: the trail outlives the rows it speaks of (and cannot be updated).
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Which content the hash covers (`record.event_hash`). Format 1: the names as they
    # are (`actor_label`, `details["person"]`). Format 2 (every event `record()` writes
    # now): instead of the names, `personal_digest`, a hash of the names salted with
    # `label_salt`, so the names can be replaced when the person erases their account
    # (`forget_names`): the salt goes with them, and the entry verifies through its
    # digest. Events made outside `record()` are format 1.
    hash_version = models.PositiveSmallIntegerField(default=1)
    personal_digest = models.CharField(max_length=64, blank=True)
    # None in format 1, and in format 2 once the names were replaced ("shredded"): NULL,
    # not "", is what the table's trigger and `verify_chain` read as "no salt".
    label_salt = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001

    class Meta:
        app_label = "coproduce"
        ordering = ["project_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["project_id", "sequence"],
                name="one_event_per_chain_position",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["project_id", "-created_at"], name="audit_newest_first"),
            # The trail filtered by one action (or the ballots of a day), newest first.
            models.Index(fields=["project_id", "action", "sequence"], name="audit_by_action"),
            # The trail's pages, newest first, without the ballots: however many votes
            # there are, a page reads only the entries it shows.
            models.Index(
                fields=["project_id", "sequence"],
                condition=~Q(action__startswith=BALLOT_PREFIX),
                name="audit_without_ballots",
            ),
            # Whether a member already voted in a stage that day (`record()` counts each
            # member once a day): a few rows, whatever the length of the chain.
            models.Index(
                fields=["project_id", "actor_id", "created_at"],
                condition=Q(action__startswith=BALLOT_PREFIX),
                name="audit_ballots_by_actor",
            ),
        ]
        triggers = [
            # Refuse every UPDATE and DELETE but one: replacing an erased person's names
            # in an event of format 2 (`forget_names`), which also removes its salt and
            # changes nothing else. (A WHEN condition could not serve both operations: a
            # DELETE trigger's condition cannot read NEW.)
            pgtrigger.Trigger(
                name="audit_events_are_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.Before,
                func=f"""
                IF TG_OP = 'UPDATE' AND {NAMES_FORGOTTEN_ONLY} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table',
                    TG_TABLE_NAME;
                """,
            ),
            # TRUNCATE fires no row trigger: refuse it for the whole statement.
            # (pgtrigger's Protect supports statement level only with a transition table,
            # which TRUNCATE has not: a plain trigger that raises.)
            pgtrigger.Trigger(
                name="audit_events_are_never_truncated",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label} at {self.created_at:%Y-%m-%d %H:%M}"


SYSTEM_LABEL = "the system"


class AuditDayCount(models.Model):
    """How many did a counted action (`is_counted`: `ballot.*` and the registry's
    "counts only") in a stage on a day.

    Kept by `record()`, in the statement that appends the event, so the trail's pages
    read the counts of the days they show instead of every vote ever cast. A count and
    nothing else: no person, no time within the day, no order. Each member counts once
    a day (a vote changed three times is one member who voted); an event with no
    person (an anonymous reflection) counts once each. Days are those of
    `ballot_zone()`, the same for every reader. It says nothing the chain does not: it
    can always be worked out again from the events (the trail's check compares it).
    """

    project_id = models.UUIDField()
    day = models.DateField()
    # The stage's id as the event names it (any length: a count never refuses an event).
    stage_ref = models.TextField(blank=True)
    action = models.CharField(max_length=64)
    members = models.PositiveIntegerField()

    class Meta:
        app_label = "coproduce"
        constraints = [
            models.UniqueConstraint(
                fields=["project_id", "day", "stage_ref", "action"],
                name="one_count_per_day_stage_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.members} {self.action} on {self.day} in {self.stage_ref or '-'}"


class AuditVerification(models.Model):
    """One check of a chain: who asked (None: the scheduler), when, and what it found.

    Kept, one row per check, so the observer's page can say when the record was last
    checked and the result. A check of a long chain runs in the background: until it
    finishes, `finished_at` is empty.

    A check that found the chain intact keeps the chain's head it saw (the position
    and hash of its last entry): an anchor. Every later check fails if that entry is
    gone (the chain is shorter) or differs, so deleting the newest entries shows.
    """

    project_id = models.UUIDField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    events_checked = models.PositiveBigIntegerField(default=0)
    intact = models.BooleanField(null=True, blank=True)
    first_bad_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=120, blank=True)
    head_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        app_label = "coproduce"
        indexes = [
            models.Index(fields=["project_id", "-requested_at"], name="audit_check_newest_first")
        ]

    def __str__(self) -> str:
        scope = self.project_id or "site-wide events"
        return f"Check of {scope} at {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def pending(self) -> bool:
        return self.finished_at is None
