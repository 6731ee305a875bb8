"""Keyboard-only helpers for browser journeys: Tab to reach, type to fill, Enter or Space."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import assert_accessible
from tests.factories import current_totp_code


def _is_focused(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, presses: int = 120) -> None:
    """Press Tab until the target has the focus, as a keyboard user would."""
    expect(target).to_be_visible()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if _is_focused(target):
            return
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def _unused_totp_code(email: str) -> str:
    """A code the person's app shows that they have not used yet: the portal refuses a
    code twice, but accepts the next window's code too, so nobody waits for a new one."""
    from django.core.cache import cache

    from participants.models import User

    person = User.objects.get(email=email)
    for step in (0, 1):  # the next window's code is accepted for a minute or more
        code = current_totp_code(person, step=step)
        # The cache, like the portal's record of used codes, is emptied for every test.
        if cache.add(f"tests.e2e.used-code:{email}:{code}", True, timeout=120):
            return code
    raise AssertionError(f"{email} signed in with two factors more than twice in 30 seconds")


# The sign-in pages are the same at every sign-in of a journey: axe-core checks them once a run.
_checked_pages: set[str] = set()


def _accessible_once(page: Page, name: str) -> None:
    if name not in _checked_pages:
        assert_accessible(page)
        _checked_pages.add(name)


def sign_in(page: Page, base_url: str, email: str, password: str, *, two_factor: bool) -> None:
    page.goto(base_url + reverse("account_login"))
    _accessible_once(page, "sign-in")
    type_into(page, page.get_by_label("Email"), email)
    type_into(page, page.get_by_label("Password", exact=True), password)
    page.keyboard.press("Enter")
    if two_factor:
        expect(heading(page)).to_have_text("Enter the code from your app")
        _accessible_once(page, "two-factor code")
        type_into(page, page.get_by_label("Code"), _unused_totp_code(email))
        page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa/authenticate)/"))


def sign_out(page: Page) -> None:
    account = page.get_by_role("navigation", name="Account")
    press(page, account.get_by_role("button", name="Sign out"))
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
