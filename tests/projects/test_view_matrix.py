"""Every project page x every role of the cast x every stage state: allowed, 403, 404 or login.

A POST that is let through is followed to its effect: the stage moved (or, where the rules
refuse it, stayed where it was with the reason shown); a POST that is refused changed nothing.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from projects.models import Project, Stage

pytestmark = pytest.mark.django_db

ROLES = (
    "lived_experience_member",
    "carer_member",
    "clinician_member",
    "facilitator",
    "manager",
    "outsider",
    "anonymous",
)
MEMBERS = {"lived_experience_member", "carer_member", "clinician_member"}

# page: (method, who may use it). Everyone else who can see the project gets 403.
PAGES = {
    "detail": ("get", MEMBERS | {"facilitator", "manager"}),
    "stage": ("get", MEMBERS | {"facilitator", "manager"}),
    "people": ("get", {"facilitator", "manager"}),
    "settings": ("get", {"facilitator"}),
    "invite": ("get", {"facilitator"}),
    "stage_create": ("get", {"facilitator"}),
    "stage_edit": ("get", {"facilitator"}),
    "stage_transition": ("post", {"facilitator"}),
    "stage_move": ("post", {"facilitator"}),
    "voting_rules": ("get", {"facilitator"}),
}
# The stage's page and its voting rules are served by decisions (they show the vote).
DECISIONS_PAGES = {"stage", "voting_rules"}
VIEWERS = MEMBERS | {"facilitator", "manager"}

# What the facilitator asks of the stage (position 2, which has a vote) in each state, and
# the state it is in afterwards: the next step where the project's pages may take it, and
# a refusal (with its reason) where they may not.
TRANSITIONS = {
    "draft": ("open", "open"),
    "open": ("voting", "voting"),
    "voting": ("closed", "voting"),  # a vote is closed from its voting page, with its record
    "closed": ("open", "closed"),  # a closed stage never opens again
}


def _expected(role: str, page: str, method: str) -> int:
    if role == "anonymous":
        return 302  # to sign in
    if role not in VIEWERS:
        return 404
    if role in PAGES[page][1]:
        return 302 if method == "post" else 200
    return 403


@pytest.mark.parametrize("state", [state for state, _label in Stage.State.choices])
@pytest.mark.parametrize("role", ROLES)
def test_page_access(
    request: pytest.FixtureRequest, client, project: Project, role: str, state: str
) -> None:
    stage = project.stages.get(position=2)
    Stage.objects.filter(pk=stage.pk).update(state=state)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert Stage.objects.get(pk=stage.pk).state == state
    to_state, state_after = TRANSITIONS[state]
    for page, (method, _allowed) in PAGES.items():
        kwargs = {"project_id": project.pk}
        if (page.startswith("stage_") and page != "stage_create") or page in DECISIONS_PAGES:
            kwargs["stage_id"] = stage.pk
        app = "decisions" if page in DECISIONS_PAGES else "projects"
        url = reverse(f"{app}:{page}", kwargs=kwargs)
        before = Stage.objects.values("state", "position").get(pk=stage.pk)
        response = getattr(client, method)(url, {"to_state": to_state, "direction": "down"})
        after = Stage.objects.values("state", "position").get(pk=stage.pk)
        expected = _expected(role, page, method)
        assert response.status_code == expected, (role, page, state, response.status_code)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
        if method == "get" or expected != 302 or role == "anonymous":
            assert after == before, (role, page, state, "a refused request changed the stage")
            continue
        # What the page says next (the latest message; earlier ones were never shown).
        said = [message.level_tag for message in get_messages(response.wsgi_request)][-1:]
        if page == "stage_transition":
            assert after == {**before, "state": state_after}, (role, page, state, after)
            assert said == (["success"] if state_after != state else ["error"]), said
        else:  # stage_move, one place down
            assert after == {**before, "position": before["position"] + 1}, (role, page, after)
            assert said == ["success"], said
