"""Meeting pages: who sees what (needs only for facilitators), kind errors keeping what
was typed, the calendar file, and query counts that stay flat."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.calendar import escape_text, fold, meeting_ics
from meetings.models import Meeting, Reply
from tests.conftest import field_error, join
from tests.factories import UserFactory
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.django_db

NEEDS = "A BSL interpreter and a seat near the door"


def _url(name: str, meeting: Meeting) -> str:
    return reverse(name, kwargs={"project_id": meeting.project_id, "meeting_id": meeting.pk})


def test_a_member_replies_and_only_facilitators_see_the_needs(
    client, meeting, lived_experience_member, carer_member, facilitator, manager
) -> None:
    client.force_login(lived_experience_member)
    page = client.get(_url("meetings:detail", meeting))
    assert page.status_code == 200
    assert "Will you come?" in page.text
    response = client.post(_url("meetings:detail", meeting), {"coming": "yes", "needs": NEEDS})
    assert response.status_code == 302
    assert Reply.objects.get().needs == NEEDS
    # The member sees their own words again in the form, and nobody else's.
    assert NEEDS in client.get(_url("meetings:detail", meeting)).text
    for person in (carer_member, manager):
        client.force_login(person)
        page = client.get(_url("meetings:detail", meeting))
        assert page.status_code == 200  # the meeting page itself, not a refusal
        assert NEEDS not in page.text
    client.force_login(facilitator)
    page = client.get(_url("meetings:detail", meeting))
    assert NEEDS in page.text
    assert "Quiet Heron" in page.text


def test_schedule_page_keeps_what_was_typed_and_says_what_is_wrong(
    client, project, facilitator
) -> None:
    client.force_login(facilitator)
    url = reverse("meetings:create", kwargs={"project_id": project.pk})
    data = {
        "title": "Evening workshop",
        "purpose": "Hear from carers",
        "agenda": "Welcome",
        "starts_at": "2027-03-03T18:00",
        "ends_at": "2027-03-03T17:00",
        "place": "",
        "online_link": "javascript:alert(1)",
    }
    page = client.post(url, data)
    assert page.status_code == 200
    assert "Evening workshop" in page.text
    assert "Hear from carers" in page.text
    assert "starting with https://" in page.text or "starts with https://" in page.text
    assert not Meeting.objects.exists()
    data.update(ends_at="2027-03-03T17:00", online_link="", starts_at="2027-03-03T18:00")
    page = client.post(url, data)
    assert page.status_code == 200
    # The service's rule, said beside the end time (the form holds no copy of it).
    assert field_error(page, "ends_at") == "The meeting must end after it starts."
    assert 'value="2027-03-03T17:00"' in page.text
    data.update(ends_at="2027-03-03T20:00", online_link="ftp://meet.example.org/night")
    page = client.post(url, data)
    assert page.status_code == 200
    assert "starting with https://" in field_error(page, "online_link")
    data.update(online_link="")
    page = client.post(url, data)
    assert page.status_code == 200
    assert field_error(page, "place") == (
        "Say where the meeting is: a place, an online link, or both."
    )
    assert not Meeting.objects.exists()
    data.update(ends_at="2127-03-03T20:00")
    assert "between the years" in client.post(url, data).text
    data.update(ends_at="2027-03-03T20:00", place="Carers' Centre")
    assert client.post(url, data).status_code == 302
    made = Meeting.objects.get()
    # Typed in the person's time zone (UK time in March: GMT).
    assert made.starts_at == dt.datetime(2027, 3, 3, 18, 0, tzinfo=dt.UTC)


def test_members_and_observers_cannot_schedule(
    client, project, lived_experience_member, manager, outsider
) -> None:
    url = reverse("meetings:create", kwargs={"project_id": project.pk})
    for person, status in ((lived_experience_member, 403), (manager, 403), (outsider, 404)):
        client.force_login(person)
        assert client.get(url).status_code == status


def test_a_facilitator_cannot_reply(client, meeting, facilitator) -> None:
    client.force_login(facilitator)
    assert client.post(_url("meetings:detail", meeting), {"coming": "yes"}).status_code == 403


def test_the_calendar_file(client, meeting, carer_member) -> None:
    client.force_login(carer_member)
    response = client.get(_url("meetings:calendar", meeting))
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert f"UID:{meeting.pk}@co-produce\r\n" in body
    assert f"DTSTART:{meeting.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}\r\n" in body
    assert "LOCATION:Room 4\\, Civic Centre\\, Leeds\r\n" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "\n" not in body.replace("\r\n", "")


def test_calendar_text_is_escaped_and_folded() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    long = "SUMMARY:" + "é" * 80
    folded = fold(long)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if n else line for n, line in enumerate(lines)) == long


def test_a_cancelled_meeting_says_so_in_the_calendar(meeting, facilitator) -> None:
    cancelled = services.meeting_cancel(actor=facilitator, meeting=meeting)
    body = meeting_ics(cancelled, now=timezone.now())
    assert "STATUS:CANCELLED\r\n" in body
    assert "SEQUENCE:1\r\n" in body


def test_minutes_pages(client, past_meeting, facilitator, carer_member, manager) -> None:
    client.force_login(facilitator)
    url = _url("meetings:minutes", past_meeting)
    page = client.post(url, {"text": ""})
    assert page.status_code == 200
    assert "Write your comment" not in page.text
    assert "Write the minutes before saving" in page.text
    assert client.post(url, {"text": "We agreed three things."}).status_code == 302
    client.force_login(carer_member)
    assert client.post(url, {"text": "Rewritten"}).status_code == 403
    comment = _url("meetings:minutes_comment", past_meeting)
    assert client.post(comment, {"body": "Add the bus times."}).status_code == 302
    client.force_login(manager)
    page = client.get(url)
    assert "We agreed three things." in page.text
    assert "Add the bus times." in page.text
    assert client.post(_url("meetings:minutes_agree", past_meeting)).status_code == 403
    client.force_login(facilitator)
    assert client.post(_url("meetings:minutes_agree", past_meeting)).status_code == 302
    assert "Version 1 is agreed" in client.get(url).text


def test_the_meeting_page_reads_the_same_number_of_queries_however_many_replies(
    client, project, meeting, facilitator, django_assert_max_num_queries
) -> None:
    client.force_login(facilitator)
    url = _url("meetings:detail", meeting)
    client.get(url)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for n in range(4):
        person = UserFactory()
        join(project, person, "member", "carer")
        services.meeting_reply(actor=person, meeting=meeting, coming="yes", needs=f"Need {n}")
    assert count() == before
    schedule(project, facilitator, days=3)
    list_url = reverse("meetings:list", kwargs={"project_id": project.pk})
    with django_assert_max_num_queries(12):
        assert client.get(list_url).status_code == 200
