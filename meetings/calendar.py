"""A meeting as a calendar file (iCalendar, RFC 5545), written by hand.

A calendar file needs a dozen lines, so this writes them rather than adding a
library: text values are escaped (backslash, semicolon, comma, line breaks: 3.3.11),
lines end with CRLF and are folded at 75 octets without splitting a UTF-8 character
(3.1), times are in UTC ("Z"), and SEQUENCE grows with each change so calendars
replace their copy; a cancelled meeting says STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from meetings.models import Meeting

PRODUCT = "-//Co-produce//Meetings//EN"
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value: backslash first, then ; , and every kind of line break as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold one content line into lines of at most 75 octets, joined by CRLF and a space."""
    encoded = line.encode()
    if len(encoded) <= LINE_OCTETS:
        return line
    parts, current, limit = [], b"", LINE_OCTETS
    for character in line:
        octets = character.encode()
        if len(current) + len(octets) > limit:
            parts.append(current.decode())
            current, limit = b"", LINE_OCTETS - 1  # the continuation's leading space
        current += octets
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting: Meeting, *, site_url: str = "", now: dt.datetime | None = None) -> str:
    description = [meeting.purpose]
    if meeting.agenda_items:
        description.append("Agenda:\n" + "\n".join(f"- {item}" for item in meeting.agenda_items))
    if meeting.online_link:
        description.append(f"Join online: {meeting.online_link}")
    if meeting.arrangement_labels:
        description.append("Arrangements: " + "; ".join(meeting.arrangement_labels))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{meeting.pk}@co-produce",
        f"DTSTAMP:{_utc(now or timezone.now())}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.ends_at)}",
        f"SEQUENCE:{meeting.sequence}",
        f"STATUS:{'CANCELLED' if meeting.is_cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape_text(meeting.title)}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
    ]
    if meeting.place:
        lines.append(f"LOCATION:{escape_text(meeting.place)}")
    elif meeting.online_link:
        lines.append(f"LOCATION:{escape_text(meeting.online_link)}")
    if site_url:
        lines.append(f"URL:{site_url}{meeting.get_absolute_url()}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
