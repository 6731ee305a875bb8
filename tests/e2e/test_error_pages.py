"""Error pages explain calmly what happened and what to do next, and pass axe-core."""

from __future__ import annotations

import pytest
from django.template.loader import get_template
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_missing_page(page: Page, live_server) -> None:
    response = page.goto(live_server.url + "/no-such-page/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    assert_accessible(page)


def test_the_server_error_page_stands_alone(page: Page, live_server) -> None:
    # Django renders 500.html with no request and no context processors: do the same,
    # then show it from the live server so that its styles load.
    html = get_template("500.html").render()
    page.goto(live_server.url + "/")
    page.set_content(html)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, there is a problem with the service"
    )
    expect(page.get_by_role("main")).to_contain_text("This is our fault, not yours.")
    assert_accessible(page)
