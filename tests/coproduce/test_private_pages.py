"""Signed-in pages are never kept by a browser or a proxy; public pages may be."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:  # type: ignore[no-untyped-def]
    header = response.headers.get("Cache-Control", "")
    return {part.strip() for part in header.split(",") if part.strip()}


def test_signed_in_pages_say_no_store_and_private(client, project, carer_member) -> None:  # type: ignore[no-untyped-def]
    client.force_login(carer_member)
    for url in (
        reverse("home"),
        reverse("participants:profile"),
        reverse("participants:notifications"),
        project.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= _directives(response), url


def test_a_refusal_for_a_signed_in_person_is_not_cached_either(client, project, outsider) -> None:  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    response = client.get(project.get_absolute_url())
    assert response.status_code == 404
    assert "no-store" in _directives(response)


def test_pages_for_signed_out_visitors_are_not_marked_private(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "private" not in _directives(response)
