"""Walk a hash chain and name the first entry that does not match.

Entries are named by their position in the chain (`sequence`: 1, 2, 3, ...), on the
pages and in `audit_verify` alike.

A chain checked alone cannot show that its newest entries were deleted: what is left
still links up. So the chain has anchors, heads (position and hash of the newest
entry) kept at a known time: by each check that found it intact, in each decision
record, in each export's file and in the observers' daily email. A check compares the
chain with the anchors it is given and with those of earlier checks: a chain shorter
than an anchor, or an entry that differs from one, is reported.

The pages show secret ballots (and the other counted actions: a pulse answered, an
anonymous reflection) only as counts kept beside the chain (`AuditDayCount`): a check
also works those counts out again from the events it walks and reports any day whose
kept count differs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext, gettext_lazy

from coproduce.audit.models import (
    FORGOTTEN_NAME_PREFIX,
    AuditDayCount,
    AuditEvent,
    AuditVerification,
    is_counted,
)
from coproduce.audit.record import (
    GENESIS_HASH,
    ballot_zone,
    event_hash,
    personal_digest,
    stage_ref_of,
)

_CHUNK = 5_000

# What a check can find, as `ChainResult.problem` (the pages say them in plain words).
MISSING_BEFORE = "an event is missing before it"
BROKEN_LINK = "its link to the previous event"
CHANGED = "its content was changed"
SHORTER = "the trail is shorter than when it was last checked"
ANCHOR_DIFFERS = "the entry at this position changed since it was last checked"
COUNTS_DIFFER = "the votes counted for each day differ from the votes in the trail"


# The same findings in plain words, each naming the entry by its position.
_PROBLEM_WORDS = {
    MISSING_BEFORE: gettext_lazy("an entry before it is missing"),
    BROKEN_LINK: gettext_lazy("it no longer links to the entry before it"),
    CHANGED: gettext_lazy("its content was changed"),
}


def problem_in_words(problem: str, sequence: int | None) -> str:
    """What a check found, as a clause for the page and for `audit_verify`."""
    if problem == SHORTER:
        return gettext(
            "the trail is shorter than when it was last checked (entry %(number)s and any "
            "after it are gone)"
        ) % {"number": sequence}
    if problem == COUNTS_DIFFER:
        return gettext(
            "the number of members shown as voting on a day does not match the votes in the record"
        )
    if problem == ANCHOR_DIFFERS:
        return gettext(
            "the entry at position %(number)s changed since the trail was last checked"
        ) % {"number": sequence}
    return gettext("entry %(number)s does not match (%(problem)s)") % {
        "number": sequence,
        "problem": _PROBLEM_WORDS.get(problem, problem),
    }


@dataclass(frozen=True)
class Head:
    """The newest entry of a chain: its position and hash (an anchor, once kept)."""

    sequence: int
    hash: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head | None:
        """The head written as `str(head)` ("<position>:<hash>"), or None."""
        sequence, _colon, hash_ = text.partition(":")
        if not (sequence.isascii() and sequence.isdigit() and len(hash_) == 64):
            return None
        return cls(int(sequence), hash_)


@dataclass(frozen=True)
class ChainResult:
    project_id: uuid.UUID | None
    events_checked: int
    first_bad_event_id: int | None
    problem: str = ""
    first_bad_sequence: int | None = None
    head: Head | None = None  # the newest entry seen

    @property
    def intact(self) -> bool:
        return not self.problem


def chain_head(project_id: uuid.UUID | None) -> Head | None:
    """The chain's newest entry now (None for a chain with no entries)."""
    last = (
        AuditEvent.objects.filter(project_id=project_id)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    return Head(*last) if last else None


def stored_anchors(project_id: uuid.UUID | None) -> list[Head]:
    """The heads that earlier checks of this chain found intact."""
    rows = (
        AuditVerification.objects.filter(
            project_id=project_id, intact=True, head_sequence__isnull=False
        )
        .exclude(head_hash="")
        .order_by()
        .values_list("head_sequence", "head_hash")
        .distinct()
    )
    return [Head(sequence, hash_) for sequence, hash_ in rows]


class _StoredEvent:
    """A stored row as `event_hash` reads an event: the same attributes, without a model
    instance per row (one object, reloaded for each row)."""

    __slots__ = (
        "action",
        "actor_id",
        "actor_label",
        "created_at",
        "details",
        "hash",
        "hash_version",
        "label_salt",
        "object_id",
        "object_type",
        "personal_digest",
        "pk",
        "previous_hash",
        "project_id",
        "request_id",
        "sequence",
    )

    def __init__(self, project_id: str | None) -> None:
        self.project_id = project_id

    def load(self, row: tuple[Any, ...]) -> None:
        (
            self.pk,
            self.sequence,
            self.action,
            self.actor_id,
            self.actor_label,
            self.object_type,
            self.object_id,
            details_text,
            self.request_id,
            self.created_at,
            self.previous_hash,
            self.hash,
            self.hash_version,
            self.personal_digest,
            self.label_salt,
        ) = row
        self.details = json.loads(details_text)

    def names_match(self) -> bool:
        """Whether the names stored are those its digest covers: always so in format 1
        (the hash covers them). In format 2 once the salt was removed, the digest alone is
        checked (by the hash), and the event must name an erased account ("Former member
        N"): only an erasure removes a salt, so a salt removed to hide who did something
        still shows."""
        if self.hash_version == 1:
            return True
        if self.label_salt is None:
            person = self.details.get("person") if isinstance(self.details, dict) else None
            return any(
                isinstance(name, str) and name.startswith(f"{FORGOTTEN_NAME_PREFIX} ")
                for name in (self.actor_label, person)
            )
        found = personal_digest(self.label_salt, self.actor_label, self.details)
        return found == self.personal_digest


def verify_chain(project_id: uuid.UUID | None, anchors: Iterable[Head] = ()) -> ChainResult:
    """Check every entry of one chain: its own hash, its link and its position; then
    that every anchor (those given, and the heads of earlier intact checks) is still
    there, unchanged.

    Reads plain rows, `details` as JSON text parsed here: a million events are
    checked in seconds. `event_hash` reads attributes, so it takes these rows as
    they are and stays the one definition of the hash.
    """
    rows = (
        AuditEvent.objects.filter(project_id=project_id)
        .annotate(details_text=Cast("details", TextField()))
        .order_by("sequence")
        .values_list(
            "pk",
            "sequence",
            "action",
            "actor_id",
            "actor_label",
            "object_type",
            "object_id",
            "details_text",
            "request_id",
            "created_at",
            "previous_hash",
            "hash",
            "hash_version",
            "personal_digest",
            "label_salt",
        )
    )
    # The chain's id as `event_hash` writes it (text): one conversion, not one per row.
    event = _StoredEvent(str(project_id) if project_id else None)
    # One read-only transaction: a plain server-side cursor (no copy of the result kept
    # for after a commit), and one consistent view of the chain. It blocks no writer.
    with transaction.atomic():
        expected = {anchor.sequence: anchor.hash for anchor in stored_anchors(project_id)}
        for anchor in anchors:
            # Two anchors for one position that disagree: keep both apart by failing.
            if expected.setdefault(anchor.sequence, anchor.hash) != anchor.hash:
                expected[anchor.sequence] = ""
        counts = _kept_counts(project_id)
        return _walk(project_id, event, rows.iterator(chunk_size=_CHUNK), expected, counts)


@dataclass(frozen=True)
class _KeptCounts:
    """The votes per day `record()` kept, and the position of the chain they are up to."""

    up_to: int
    members: dict[tuple[Any, str, str], int]


def _kept_counts(project_id: uuid.UUID | None) -> _KeptCounts | None:
    """The kept counts and the chain's last position, in one statement (one snapshot):
    the chain's lock makes positions follow commits, so the counts are those of the
    events up to that position, whatever is appended while the check runs."""
    if project_id is None:
        return None
    counts = AuditDayCount._meta.db_table
    events = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COALESCE(MAX(sequence), 0) FROM {events} WHERE project_id = %s), "  # noqa: S608 (table names only)
            f"kept.day, kept.stage_ref, kept.action, kept.members "
            f"FROM (SELECT 1) AS one LEFT JOIN {counts} AS kept ON kept.project_id = %s",
            [project_id, project_id],
        )
        rows = cursor.fetchall()
    return _KeptCounts(
        up_to=rows[0][0],
        members={(day, stage, action): members for _, day, stage, action, members in rows if day},
    )


def _walk(
    project_id: uuid.UUID | None,
    event: _StoredEvent,
    rows: Iterator[Any],
    anchors: dict[int, str],
    counts: _KeptCounts | None = None,
) -> ChainResult:
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    # Who did each counted action, each day in each stage, up to the counts' position;
    # and how many such events had no person (each counts once).
    voters: dict[tuple[Any, str, str], set[int]] = {}
    nobody: dict[tuple[Any, str, str], int] = {}
    zone = ballot_zone()
    counted_up_to = counts.up_to if counts is not None else 0
    for row in rows:
        event.load(row)
        checked += 1
        if event.sequence <= counted_up_to and is_counted(event.action):
            key = (
                event.created_at.astimezone(zone).date(),
                stage_ref_of(event.object_type, event.object_id, event.details),
                event.action,
            )
            found = voters.setdefault(key, set())
            if event.actor_id is not None:
                found.add(event.actor_id)
            else:
                nobody[key] = nobody.get(key, 0) + 1
        problem = ""
        if event.sequence != expected_sequence:
            problem = MISSING_BEFORE
        elif event.previous_hash != previous_hash:
            problem = BROKEN_LINK
        elif event_hash(event) != event.hash or not event.names_match():  # type: ignore[arg-type]
            problem = CHANGED
        elif anchors.get(event.sequence, event.hash) != event.hash:
            problem = ANCHOR_DIFFERS
        if problem:
            return ChainResult(project_id, checked, event.pk, problem, event.sequence)
        previous_hash = event.hash
        expected_sequence += 1
    head = Head(expected_sequence - 1, previous_hash) if checked else None
    beyond = [sequence for sequence in anchors if sequence >= expected_sequence]
    if beyond:
        # Entries once checked are gone from the end: name the first missing position.
        return ChainResult(project_id, checked, None, SHORTER, expected_sequence, head)
    if counts is not None and counts.members != {
        key: len(people) + nobody.get(key, 0) for key, people in voters.items()
    }:
        return ChainResult(project_id, checked, None, COUNTS_DIFFER, None, head)
    return ChainResult(project_id, checked, None, head=head)


def known_chains() -> list[uuid.UUID | None]:
    """Every chain with entries, and every chain once checked (even if now empty)."""
    chains = set(AuditEvent.objects.order_by().values_list("project_id", flat=True).distinct())
    chains |= set(
        AuditVerification.objects.filter(intact=True, head_sequence__isnull=False)
        .order_by()
        .values_list("project_id", flat=True)
        .distinct()
    )
    return sorted(chains, key=lambda chain: (chain is not None, str(chain)))


def verify_all_chains() -> list[ChainResult]:
    return [verify_chain(project_id) for project_id in known_chains()]
