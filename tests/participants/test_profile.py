"""The "Your details" page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from participants.models import User

pytestmark = pytest.mark.django_db

URL = reverse("participants:profile")


def test_a_person_changes_their_display_name(client, lived_experience_member: User) -> None:
    client.force_login(lived_experience_member)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Quiet Heron" in page.text

    response = client.post(
        URL, {"display_name": "Brave Robin", "full_name": "", "time_zone": "Europe/London"}
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    lived_experience_member.refresh_from_db()
    assert lived_experience_member.display_name == "Brave Robin"
    assert "Your details have been saved." in client.get(URL).text


def test_an_empty_display_name_is_refused_kindly_and_keeps_what_was_typed(
    client, lived_experience_member: User
) -> None:
    client.force_login(lived_experience_member)
    response = client.post(
        URL, {"display_name": "  ", "full_name": "Sam Jones", "time_zone": "Europe/Paris"}
    )
    assert response.status_code == 200
    assert "Enter a display name. It can be a made-up name." in response.text
    assert 'href="#id_display_name"' in response.text
    assert 'value="Sam Jones"' in response.text
    lived_experience_member.refresh_from_db()
    assert lived_experience_member.display_name == "Quiet Heron"
    assert lived_experience_member.full_name == ""


def test_a_hidden_control_character_is_refused(client, lived_experience_member: User) -> None:
    client.force_login(lived_experience_member)
    response = client.post(
        URL,
        {"display_name": "Quiet Heron", "full_name": "Bad\x00Name", "time_zone": "Europe/London"},
    )
    assert response.status_code == 200
    assert "Remove the hidden control character" in response.text


def test_a_hidden_control_character_is_removed_from_a_display_name(
    client, lived_experience_member: User
) -> None:
    client.force_login(lived_experience_member)
    response = client.post(
        URL, {"display_name": "Brave\x00 Robin", "full_name": "", "time_zone": "Europe/London"}
    )
    assert response.status_code == 302
    lived_experience_member.refresh_from_db()
    assert lived_experience_member.display_name == "Brave Robin"


def test_times_show_in_the_chosen_zone(client, lived_experience_member: User) -> None:
    client.force_login(lived_experience_member)
    client.post(URL, {"display_name": "Quiet Heron", "full_name": "", "time_zone": "Asia/Tokyo"})
    lived_experience_member.refresh_from_db()
    assert lived_experience_member.time_zone == "Asia/Tokyo"
    response = client.get(URL)
    assert response.context["TIME_ZONE"] == "Asia/Tokyo"


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_other_methods_are_refused(client, lived_experience_member: User) -> None:
    client.force_login(lived_experience_member)
    assert client.put(URL).status_code == 405


def test_reading_preferences_are_honoured_on_every_page(
    client, lived_experience_member: User
) -> None:
    client.force_login(lived_experience_member)
    assert "app-larger-text" not in client.get(reverse("home")).text
    client.post(
        URL,
        {
            "display_name": "Quiet Heron",
            "full_name": "",
            "time_zone": "Europe/London",
            "larger_text": "on",
            "reduced_motion": "on",
        },
    )
    page = client.get(reverse("home")).text
    assert 'class="app-larger-text app-reduced-motion"' in page
