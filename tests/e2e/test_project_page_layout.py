"""The project page reads well on a phone and on a desktop: no word is broken across lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from participants.models import User
from projects.models import Project
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each word of each label in "Who is taking part": on how many lines it is drawn.
_WORD_LINES = """
(table) => Array.from(table.querySelectorAll("tbody th")).flatMap((cell) => {
  const text = cell.firstChild;
  const words = [];
  const pattern = /\\S+/g;
  let found;
  while ((found = pattern.exec(text.data)) !== null) {
    const range = document.createRange();
    range.setStart(text, found.index);
    range.setEnd(text, found.index + found[0].length);
    const tops = new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top)));
    words.push([found[0], tops.size]);
  }
  return words;
})
"""


@pytest.mark.parametrize("width", [320, 1280])
def test_who_is_taking_part_never_breaks_a_word(
    page: Page, live_server, project: Project, lived_experience_member: User, password: str, width
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, lived_experience_member.email, password, two_factor=False)
    page.goto(live_server.url + project.get_absolute_url())
    table = page.get_by_role("table", name="People in this project, by group and role")
    lived = table.get_by_role("rowheader", name="Lived experience of mental illness")
    expect(lived).to_be_visible()
    expect(table.get_by_role("row", name="Facilitators (do not vote) 1")).to_be_visible()
    words = table.evaluate(_WORD_LINES)
    assert len(words) > 10
    broken = [word for word, lines in words if lines != 1]
    assert not broken, f"Words broken across lines at {width} px: {broken}"
    assert_accessible(page)
