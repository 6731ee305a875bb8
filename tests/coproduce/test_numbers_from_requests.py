"""Issue 11, item 9: every number read from a request is ASCII digits within bounds."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.text import MAX_BIGINT, parse_bounded_int
from participants.models import User
from projects.models import Project, Stage


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        (" 7 ", 7),
        ("007", 7),
        (12, 12),
        ("100", 100),
        ("101", None),
        ("-1", None),
        ("²", None),
        ("١٢٣", None),
        ("１２", None),  # noqa: RUF001 (fullwidth digits, on purpose)
        ("9" * 5000, None),
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
        ("4.0", None),
    ],
)
def test_parse_bounded_int_takes_only_ascii_digits_within_bounds(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse_bounded_int(value, minimum=0, maximum=100) == expected


def test_parse_bounded_int_takes_a_negative_number_only_when_allowed() -> None:
    assert parse_bounded_int("-5", minimum=-10, maximum=10) == -5
    assert parse_bounded_int("-11", minimum=-10, maximum=10) is None
    assert parse_bounded_int(str(MAX_BIGINT), minimum=0, maximum=MAX_BIGINT) == MAX_BIGINT
    assert parse_bounded_int(str(MAX_BIGINT + 1), minimum=0, maximum=MAX_BIGINT) is None


HOSTILE_NUMBERS = ["²", "١٢٣", "9" * 5000, "-1", str(2**70)]


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
@pytest.mark.parametrize("name", ["before", "after"])
def test_trail_and_history_paging_ignore_numbers_that_are_not_numbers(
    client, project: Project, facilitator: User, carer_member: User, value: str, name: str
) -> None:
    client.force_login(facilitator)
    trail = client.get(reverse("trail:trail", kwargs={"project_id": project.pk}), {name: value})
    assert trail.status_code == 200
    client.force_login(carer_member)
    history = client.get(reverse("trail:history", kwargs={"project_id": project.pk}), {name: value})
    assert history.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "١٢٣", "9" * 5000, "0"])
def test_list_pages_read_a_page_number_that_is_not_one_as_the_first_page(
    client, project: Project, carer_member: User, value: str
) -> None:
    client.force_login(carer_member)
    stage = project.stages.get(position=1)
    assert client.get(reverse("participants:notifications"), {"page": value}).status_code == 200
    proposals = reverse(
        "decisions:proposals", kwargs={"project_id": project.pk, "stage_id": stage.pk}
    )
    assert client.get(proposals, {"page": value}).status_code in (200, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["9" * 5000, "2²", "١٢", "24, " + "9" * 5000])
def test_reminder_hours_with_huge_or_foreign_digits_get_a_kind_error(
    client, project: Project, facilitator: User, typed: str
) -> None:
    stage = project.stages.get(position=2)
    client.force_login(facilitator)
    url = reverse(
        "projects:stage_edit", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )
    data = {
        "title": stage.title,
        "kind": stage.kind,
        "description": stage.description,
        "reminder_hours": typed,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Write whole numbers of hours separated by commas" in response.text
    assert Stage.objects.get(pk=stage.pk).reminder_hours == [48, 24]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "\u0661", "9" * 5000, str(2**70)])
def test_ids_in_addresses_that_are_not_numbers_give_not_found(
    client, project: Project, facilitator: User, value: str
) -> None:
    client.force_login(facilitator)
    remove = f"/projects/{project.pk}/people/{value}/remove/"
    assert client.get(remove).status_code == 404
