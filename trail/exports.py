"""Write a project's trail as CSV or JSON Lines, streamed: memory stays flat at any size.

The rows come from the database in chunks (keyset: each chunk a short query after the
last position read, the next one read ahead while this one is written) and leave as
byte chunks of about 64 KB, whether they go to a browser (`streaming_response`) or to
a file (`write_file`, used by the background export).

Each exported event carries every field its hash covers, oldest first, so someone
outside the portal can recompute the hashes of what they were given (the JSON Lines
export, exactly as stored: for an event of format 2, `hash_version`, the
`personal_digest` its hash covers instead of the names, and the salt where it is still
kept; see `coproduce.audit.record.event_hash`). Votes come
after them, as a count of members for each day and stage (never one row per vote).
The entries only facilitators see (a member's payments) are in a facilitator's export
only: an observer's or a sponsor's leaves them out, as their trail page does.
The last row is the chain's head the export covers (action "trail.head": the newest
entry's position and hash), so a trail later shortened contradicts every export kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import IO, Any

from django.db import connection, connections
from django.db.models import Func, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.http import StreamingHttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext_noop as N_

from coproduce.audit.models import AuditEvent
from coproduce.text import spreadsheet_text
from projects.models import Project, Stage
from trail.describe import (
    REMOVED_STAGE,
    DescribeContext,
    depends_on_actor_only,
    describe_ballot_day,
    describe_text,
)
from trail.models import AuditExport
from trail.selectors import (
    BallotDay,
    TrailFilters,
    ballot_days,
    describe_context,
    events_queryset,
)

CHUNK_ROWS = 5_000  # rows read from PostgreSQL at a time
FLUSH_BYTES = 64 * 1024  # bytes handed on at a time
REPEATED_LINES_KEPT = 5_000  # descriptions kept for reuse, of each kind: a megabyte or two
CSV_HEADER = (
    "project_id",
    "sequence",
    "time_utc",
    "description",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "request_id",
    "previous_hash",
    "hash",
    "details",
)
CONTENT_TYPES = {
    AuditExport.Format.CSV: "text/csv; charset=utf-8",
    AuditExport.Format.JSONL: "application/jsonl; charset=utf-8",
}
EXTENSIONS = {AuditExport.Format.CSV: "csv", AuditExport.Format.JSONL: "jsonl"}
_NEEDS_QUOTES = re.compile(r'[",\r\n]').search
_QUOTE_OR_LINE_BREAK = re.compile(r'["\r\n]').search
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]

Progress = Callable[[int], None]
# The last row of every export: the chain's newest entry when it was made.
HEAD_ACTION = "trail.head"
HEAD_LINE = N_(
    "The record's newest entry when this export was made: entry %(sequence)s (its hash is "
    "in this row). A record later found shorter, or with another hash here, was changed."
)


class UtcTimeText(Func):
    """A timestamp in UTC as ISO 8601 text, always with microseconds: Python's
    `isoformat()` leaves them out when they are zero, so `iso_time()` does too."""

    output_field = TextField()
    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US+00:00')"


def iso_time(utc_text: str) -> str:
    """The time as `datetime.isoformat()` writes it (the form the hash covers)."""
    if utc_text.endswith(".000000+00:00"):
        return utc_text[:-13] + "+00:00"
    return utc_text


class JoinedText(Func):
    """Text columns (never NULL) joined with commas by PostgreSQL."""

    arg_joiner = " || ',' || "
    template = "(%(expressions)s)"
    output_field = TextField()


def _csv_field(value: str) -> str:
    """One CSV field as RFC 4180 writes it: quoted only when it has to be."""
    if _NEEDS_QUOTES(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _text_cell(value: str) -> str:
    """A cell of free text: kept as text by spreadsheets (the JSON Lines file keeps values
    exactly), quoted when it has to be."""
    return _csv_field(spreadsheet_text(value))


class _Row:
    """The fetched row as `describe_text` reads an event: one object, reloaded per row,
    its details parsed from JSON only if the line needs them."""

    __slots__ = (
        "_details",
        "action",
        "actor_id",
        "actor_label",
        "details_text",
        "object_id",
        "object_type",
    )

    def load(
        self,
        action: str,
        actor_label: str,
        actor_id: int | None,
        object_type: str,
        object_id: str,
        details_text: str,
    ) -> None:
        self.action = action
        self.actor_label = actor_label
        self.actor_id = actor_id
        self.object_type = object_type
        self.object_id = object_id
        self.details_text = details_text
        self._details = None

    @property
    def details(self) -> Any:
        if self._details is None:
            self._details = json.loads(self.details_text)
        return self._details


class _ExportSource:
    """The rows of one export: the events in order, then the days of votes."""

    def __init__(
        self,
        project: Project,
        filters: TrailFilters,
        up_to: int | None,
        with_facilitator_entries: bool,
    ) -> None:
        self.project = project
        self.filters = filters
        self.up_to = up_to
        self.with_facilitator_entries = with_facilitator_entries
        stages = list(Stage.objects.filter(project=project).order_by("position"))
        self.context: DescribeContext = describe_context(project, stages)

    def events(self, *fields: str, **annotations: Any) -> Iterator[list[tuple[Any, ...]]]:
        """The matching events, oldest first, in chunks of `CHUNK_ROWS` rows of `fields`
        (the first must be `sequence`).

        Each chunk is one short query after the last position read (keyset), so no
        cursor or transaction stays open while a slow browser downloads: memory holds
        one chunk at a time, and nothing new enters (the trail only grows, and the
        export stops at `up_to`). Values come as text and numbers, nothing a per-row
        converter has to touch: the time already formatted, `details` as JSON text.
        """
        events = (
            events_queryset(
                self.project.pk,
                self.filters,
                up_to=self.up_to,
                with_facilitator_entries=self.with_facilitator_entries,
            )
            .annotate(
                time_text=UtcTimeText("created_at"),
                details_text=Cast("details", TextField()),
                **annotations,
            )
            .order_by("sequence")
            .values_list(*fields)
        )
        chunks = _keyset_chunks(events)
        if connection.in_atomic_block:
            # Inside a transaction (a test's, or a caller's), another connection would
            # not see its rows: read here, one chunk after the other.
            return chunks
        return _read_ahead(chunks)

    def head(self) -> tuple[int, str] | None:
        """The chain's newest entry the export covers (its position and hash): the
        export's last row, an anchor the reader keeps outside the portal."""
        if not self.up_to:
            return None
        found = (
            AuditEvent.objects.filter(project_id=self.project.pk, sequence=self.up_to)
            .values_list("sequence", "hash")
            .first()
        )
        return (found[0], found[1]) if found else None

    def head_text(self, sequence: int) -> str:
        return self.context.words(HEAD_LINE) % {"sequence": sequence}

    def ballot_days(self) -> list[BallotDay]:
        days = ballot_days(self.project.pk, self.filters, up_to=self.up_to)
        return days[::-1]  # oldest day first, like the events

    def ballot_text(self, day: BallotDay) -> str:
        place = self.context.stages.get(day.stage_id)
        return describe_ballot_day(
            action=day.action,
            members=day.members,
            stage_title=place.title if place else self.context.words(REMOVED_STAGE),
            stage=None,
            words=self.context.words,
        ).text


def _keyset_chunks(events: QuerySet[Any]) -> Iterator[list[tuple[Any, ...]]]:
    after = 0
    while True:
        rows = list(events.filter(sequence__gt=after)[:CHUNK_ROWS])
        if rows:
            yield rows
            after = rows[-1][0]
        if len(rows) < CHUNK_ROWS:
            return


_DONE = object()


def _read_ahead(chunks: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[tuple[Any, ...]]]:
    """Read the next chunk in a helper thread while this one is written out.

    PostgreSQL works out the next rows while Python formats these (the database
    driver lets go of Python's lock while it waits): the export takes about the time
    of the slower of the two, not of both. The helper has its own connection, closed
    when it ends, and keeps at most one chunk waiting, so memory stays flat.
    """
    handover: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        handover.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handover.put(_DONE)
        except BaseException as error:  # handed over, raised in the reader's thread
            handover.put(error)
        finally:
            connections.close_all()  # this thread's own connection

    helper = threading.Thread(target=read, name="export-read-ahead", daemon=True)
    helper.start()
    try:
        while True:
            item = handover.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        helper.join()


def count_rows(
    project: Project,
    filters: TrailFilters,
    *,
    up_to: int | None,
    limit: int,
    with_facilitator_entries: bool = False,
) -> int:
    """How many rows the export will have, counting no further than `limit` (+ votes)."""
    events = events_queryset(
        project.pk, filters, up_to=up_to, with_facilitator_entries=with_facilitator_entries
    )
    counted = events[: limit + 1].count()
    if counted > limit:
        return counted
    return counted + len(ballot_days(project.pk, filters, up_to=up_to))


PLAIN_FIELDS = (
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "request_id",
    "previous_hash",
    "hash",
)


def _plain_fields(project: Project, sequence: int) -> tuple[str, ...]:
    """One event's identifiers and codes, read one by one (the slow, careful way)."""
    row = (
        AuditEvent.objects.filter(project_id=project.pk, sequence=sequence)
        .values_list(*PLAIN_FIELDS)
        .get()
    )
    return ("" if row[0] is None else str(row[0]), *row[1:])


def csv_chunks(
    project: Project,
    filters: TrailFilters,
    *,
    up_to: int | None,
    on_progress: Progress | None = None,
    with_facilitator_entries: bool = False,
) -> Iterator[bytes]:
    """The export as CSV (UTF-8 with a byte order mark, so spreadsheets read it right).

    Written by hand rather than with `csv.writer`, which alone costs more than
    PostgreSQL's whole COPY: the fields that are plain by construction (numbers,
    times, names of actions, identifiers, codes) are checked all at once and quoted
    only if one of them needs it; free text is always checked.
    """
    source = _ExportSource(project, filters, up_to, with_facilitator_entries)
    context = source.context
    project_id = str(project.pk)
    event = _Row()
    parts = ["\ufeff" + ",".join(CSV_HEADER) + "\r\n"]
    size = 0
    done = 0
    # The seven fields that are plain by construction (the actor's id, the action,
    # what it is about, the codes), joined by PostgreSQL: one value to read, checked
    # at once, split only as far as the description needs.
    plain = JoinedText(Coalesce(Cast("actor_id", TextField()), Value("")), *PLAIN_FIELDS[1:])
    actors: dict[tuple[str, str], str] = {}  # a person's cell, by name and id
    # Descriptions already written, by what they depend on: most lines of a long trail
    # (proposals and comments by the same people) read the same as an earlier one.
    by_actor: dict[tuple[str, str, str], str] = {}
    by_details: dict[tuple[str, ...], str] = {}
    for sequence, time_text, actor, details, fields in chain.from_iterable(
        source.events("sequence", "time_text", "actor_label", "details_text", "plain", plain=plain)
    ):
        if fields.count(",") == 6 and not _QUOTE_OR_LINE_BREAK(fields):
            actor_id, action, kind, object_id, _codes = fields.split(",", 4)
        else:
            # Never in the portal's own data: an odd identifier, or a row altered by hand.
            exact = _plain_fields(project, sequence)
            actor_id, action, kind, object_id = exact[:4]
            fields = ",".join(map(_csv_field, exact))
        if depends_on_actor_only(action):
            kept, key = by_actor, (action, actor, actor_id)
        else:
            stage = object_id if kind == "stage" else ""
            kept, key = by_details, (action, actor, actor_id, kind, stage, details)
        description = kept.get(key)  # type: ignore[call-overload]
        if description is None:
            event.load(action, actor, int(actor_id) if actor_id else None, kind, object_id, details)
            description = _text_cell(describe_text(event, context))
            if len(kept) < REPEATED_LINES_KEPT:
                kept[key] = description  # type: ignore[index]
        actor_cell = actors.get((actor, actor_id))
        if actor_cell is None:
            shown = context.actor_names.get(int(actor_id), actor) if actor_id else actor
            actor_cell = actors[(actor, actor_id)] = _text_cell(shown)
        if time_text.endswith(".000000+00:00"):
            time_text = iso_time(time_text)
        quoted_details = details.replace('"', '""')
        line = (
            f"{project_id},{sequence},{time_text},{description},{actor_cell},{fields},"
            f'"{quoted_details}"\r\n'
        )
        parts.append(line)
        size += len(line)
        done += 1
        if size >= FLUSH_BYTES:
            yield "".join(parts).encode()
            parts.clear()
            size = 0
            if on_progress is not None:
                on_progress(done)
    for day in source.ballot_days():
        cells = (
            project_id,
            "",
            day.day.isoformat(),
            _text_cell(source.ballot_text(day)),
            "",
            "",
            *map(_csv_field, (day.action, "stage", day.stage_id, "", "", "")),
            _csv_field(json.dumps({"members": day.members})),
        )
        parts.append(",".join(cells) + "\r\n")
        done += 1
    head = source.head()
    if head is not None:
        sequence, head_hash = head
        cells = (
            project_id,
            str(sequence),
            "",
            _text_cell(source.head_text(sequence)),
            "",
            "",
            HEAD_ACTION,
            "",
            "",
            "",
            "",
            head_hash,
            "{}",
        )
        parts.append(",".join(cells) + "\r\n")
    yield "".join(parts).encode()
    if on_progress is not None:
        on_progress(done)


def jsonl_chunks(
    project: Project,
    filters: TrailFilters,
    *,
    up_to: int | None,
    on_progress: Progress | None = None,
    with_facilitator_entries: bool = False,
) -> Iterator[bytes]:
    """The export as JSON Lines: one JSON object per line, values exactly as stored."""
    source = _ExportSource(project, filters, up_to, with_facilitator_entries)
    context = source.context
    project_id = _json_string(str(project.pk))
    event = _Row()
    parts: list[str] = []
    size = 0
    done = 0
    fields = (
        "sequence",
        "time_text",
        "action",
        "actor_label",
        "actor_id",
        "object_type",
        "object_id",
        "details_text",
        "request_id",
        "previous_hash",
        "hash",
        "hash_version",
        "personal_digest",
        "label_salt",
    )
    for row in chain.from_iterable(source.events(*fields)):
        (
            sequence,
            time_text,
            action,
            actor,
            actor_id,
            kind,
            object_id,
            details,
            request,
            previous,
            own,
            version,
            digest,
            salt,
        ) = row
        event.load(action, actor, actor_id, kind, object_id, details)
        if version == 1:
            format_fields = '"hash_version":1,'
        else:
            # Format 2: the hash covers the digest of the names, not the names. The salt
            # lets a reader confirm the names they see; an erased person's events have
            # none left (their names were replaced).
            format_fields = (
                f'"hash_version":{version},"personal_digest":{_json_string(digest)},'
                f'"label_salt":{"null" if salt is None else _json_string(salt)},'
            )
        line = (
            f"{{{format_fields}"
            f'"project_id":{project_id},"sequence":{sequence},'
            f'"created_at":"{iso_time(time_text)}","action":{_json_string(action)},'
            f'"description":{_json_string(describe_text(event, context))},'
            f'"actor_label":{_json_string(actor)},'
            f'"actor_id":{"null" if actor_id is None else actor_id},'
            f'"object_type":{_json_string(kind)},"object_id":{_json_string(object_id)},'
            f'"details":{details},"request_id":{_json_string(request)},'
            f'"previous_hash":{_json_string(previous)},"hash":{_json_string(own)}}}\n'
        )
        parts.append(line)
        size += len(line)
        done += 1
        if size >= FLUSH_BYTES:
            yield "".join(parts).encode()
            parts.clear()
            size = 0
            if on_progress is not None:
                on_progress(done)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for day in source.ballot_days():
        parts.append(
            dumps(
                {
                    "project_id": str(project.pk),
                    "sequence": None,
                    "date": day.day.isoformat(),
                    "action": day.action,
                    "description": source.ballot_text(day),
                    "object_type": "stage",
                    "object_id": day.stage_id,
                    "members": day.members,
                }
            )
            + "\n"
        )
        done += 1
    head = source.head()
    if head is not None:
        parts.append(
            dumps(
                {
                    "project_id": str(project.pk),
                    "sequence": head[0],
                    "action": HEAD_ACTION,
                    "description": source.head_text(head[0]),
                    "hash": head[1],
                }
            )
            + "\n"
        )
    yield "".join(parts).encode()
    if on_progress is not None:
        on_progress(done)


WRITERS = {AuditExport.Format.CSV: csv_chunks, AuditExport.Format.JSONL: jsonl_chunks}


def download_name(project: Project, export_format: str, when: dt.datetime) -> str:
    slug = slugify(project.title)[:40] or "project"
    return f"record-{slug}-{when:%Y-%m-%d}.{EXTENSIONS[export_format]}"


def streaming_response(
    project: Project,
    filters: TrailFilters,
    *,
    up_to: int,
    export_format: str,
    when: dt.datetime,
    with_facilitator_entries: bool = False,
) -> StreamingHttpResponse:
    """Send the export to the browser as it is written: nothing is held in memory."""
    chunks = WRITERS[export_format](
        project, filters, up_to=up_to, with_facilitator_entries=with_facilitator_entries
    )
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[export_format])
    name = download_name(project, export_format, when)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def write_file(
    path: Path,
    project: Project,
    filters: TrailFilters,
    *,
    up_to: int | None,
    export_format: str,
    on_progress: Progress | None = None,
    with_facilitator_entries: bool = False,
) -> int:
    """Write the export to `path` (readable by the portal's user only); return its size.

    Written beside it first and renamed at the end, so a half-written file is never
    offered for download, and running the export again simply replaces it.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        _write_all(
            file,
            WRITERS[export_format](
                project,
                filters,
                up_to=up_to,
                on_progress=on_progress,
                with_facilitator_entries=with_facilitator_entries,
            ),
        )
    os.replace(partial, path)
    return path.stat().st_size


def _write_all(file: IO[bytes], chunks: Iterator[bytes]) -> None:
    for chunk in chunks:
        file.write(chunk)
