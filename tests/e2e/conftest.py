"""Browser fixtures: Debian's chromium driven by Playwright, and an axe-core check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Phone first: the narrowest width WCAG's reflow rule asks for (320 CSS pixels).
PHONE = {"width": 320, "height": 720}
SCREENSHOTS = ROOT / "test-results" / "e2e"

_axe = Axe()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Browser tests need Debian's chromium: run bin/ensure-chromium")
    if not (ROOT / "static" / "dist" / "coproduce.css").exists():
        pytest.fail("The styles are not built: run `npm ci && npm run build` (or `make assets`).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser: Browser, *, javascript: bool) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    if not javascript:
        # The site's only scripts are its own files (the security policy forbids inline
        # ones), so refusing them gives the page a person without JavaScript sees, while
        # Playwright can still run axe-core in it (with JavaScript switched off it cannot).
        page.route(re.compile(r"\.js(\?.*)?$"), lambda route: route.abort("blockedbyclient"))
    # Anything the Content-Security-Policy blocked (an inline script or style), any script
    # error, and any file of the page (style, script, image) that failed to load.
    errors: list[str] = []
    page.coproduce_errors = errors  # type: ignore[attr-defined]

    def _console(message: ConsoleMessage) -> None:
        # Failed loads are reported below, with their address, from the responses.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def _response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} for {response.url}")

    page.on("console", _console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", _response)
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized tab (its own cookies) with JavaScript on."""
    yield from _new_page(browser, javascript=True)


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized tab whose scripts never load: every page must still work."""
    yield from _new_page(browser, javascript=False)


def _describe(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}"]
    lines.append(f"  {violation['helpUrl']}")
    for node in violation["nodes"][:5]:
        lines.append(f"  at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
        if node.get("failureSummary"):
            lines.append("    " + node["failureSummary"].replace("\n", "\n    "))
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail unless the page passes axe-core, fits a phone's width, and the browser blocked nothing.

    Fitting the width is WCAG's reflow rule (1.4.10): no sideways scrolling at 320 pixels.
    Blocked inline code would mean a page relies on something the security policy forbids.
    """
    violations = _axe.run(page).response["violations"]
    assert not violations, f"Accessibility problems on {page.url}:\n" + "\n".join(
        _describe(violation) for violation in violations
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen: it scrolls sideways"
    errors = page.coproduce_errors  # type: ignore[attr-defined]
    assert not errors, f"The browser reported errors on {page.url}:\n" + "\n".join(errors)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page picture under test-results/e2e/ (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
