"""The trail's pages: who may open them, filters, keyset paging, links, votes as daily
counts, the members' history, and query counts that do not grow with the trail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record
from participants.models import User
from projects import services as project_services
from projects.models import Project
from tests.trail.conftest import add_events, trail_url
from trail import selectors
from trail.models import AuditExport

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
READERS = {"facilitator", "manager"}  # may read the full trail
# page: (method, who may use it, status for them). Others who see the project get 403.
PAGES = {
    "trail": ("get", READERS, 200),
    "history": ("get", MEMBERS | READERS, 200),
    "verify": ("post", READERS, 302),
    "export": ("post", READERS, 200),
    "export_status": ("get", {"manager"}, 200),
    "export_download": ("get", {"manager"}, 200),
}


def _manager_export(project: Project, manager: User) -> AuditExport:
    """A finished background export the manager asked for, with its file."""
    from trail import exports, services

    now = timezone.now()
    job = AuditExport.objects.create(
        project_id=project.pk,
        requested_by=manager,
        format="csv",
        status="ready",
        file_name="ready.csv",
        file_size=10,
        expires_at=now + dt.timedelta(hours=24),
    )
    exports.write_file(
        services.exports_folder() / "ready.csv",
        project,
        selectors.TrailFilters(),
        up_to=None,
        export_format="csv",
    )
    return job


def _expected(role: str, page: str) -> int:
    _method, allowed, status = PAGES[page]
    if role == "anonymous":
        return 302
    if role == "outsider":
        return 404
    if role in allowed:
        return status
    if page in ("export_status", "export_download") and role in READERS:
        return 404  # another reader's export: as if it did not exist
    return 403


@pytest.mark.parametrize("role", ROLES)
def test_page_access(
    request: pytest.FixtureRequest, client, project: Project, manager: User, role: str
) -> None:  # type: ignore[no-untyped-def]
    job = _manager_export(project, manager)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for page, (method, _allowed, _status) in PAGES.items():
        kwargs = {"export_id": job.pk} if page.startswith("export_") else {}
        response = getattr(client, method)(trail_url(page, project, **kwargs), {"format": "csv"})
        expected = _expected(role, page)
        assert response.status_code == expected, (role, page, response.status_code)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))


def test_hidden_and_missing_projects_give_the_same_404(
    client, project: Project, outsider: User
) -> None:
    client.force_login(outsider)
    hidden = client.get(trail_url("trail", project))
    missing = client.get(
        reverse("trail:trail", kwargs={"project_id": "3f1e2f3a-0000-4000-8000-000000000000"})
    )
    nonsense = client.get(reverse("trail:trail", kwargs={"project_id": "nope"}))
    assert hidden.status_code == missing.status_code == nonsense.status_code == 404


def test_wrong_methods_are_refused(client, project: Project, manager: User) -> None:
    client.force_login(manager)
    assert client.post(trail_url("trail", project)).status_code == 405
    assert client.post(trail_url("history", project)).status_code == 405
    assert client.get(trail_url("verify", project)).status_code == 405
    assert client.get(trail_url("export", project)).status_code == 405


def test_observers_must_switch_on_two_factor_sign_in_first(
    client, project: Project, manager: User
) -> None:
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=manager).delete()
    client.force_login(manager)
    response = client.get(trail_url("trail", project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("projects:mfa_required"))


def test_the_trail_shows_what_happened_newest_first_with_links(
    client, project: Project, manager: User
) -> None:
    stage = project.stages.get(position=2)
    facilitator = project.memberships.get(role="facilitator").user
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    client.force_login(manager)
    page = client.get(trail_url("trail", project))
    assert page.status_code == 200
    text = page.text
    link = f'<a href="{stage.get_absolute_url()}">{stage.title}</a>'
    assert f"Stage &#x27;{link}&#x27; opened by Warm Lark" in text
    assert "Silver Birch joined as an observer" in text
    assert text.index("opened by Warm Lark") < text.index("Project started by Warm Lark")
    assert f'href="{project.get_absolute_url()}">Open the project' in text
    assert "The record has not been checked yet." in text


def test_filters_narrow_the_trail(
    client, project: Project, manager: User, carer_member: User
) -> None:
    client.force_login(manager)
    stage = project.stages.get(position=2)
    facilitator = project.memberships.get(role="facilitator").user
    project_services.stage_update(actor=facilitator, stage=stage, title="Ranking the priorities")

    people = client.get(trail_url("trail", project), {"what": "group:people"})
    assert "Quiet Heron joined as a member" in people.text
    assert "Ranking the priorities" not in people.text.split('id="entries"')[1]

    by_stage = client.get(trail_url("trail", project), {"stage": str(stage.pk)})
    entries = by_stage.text.split('id="entries"')[1]
    assert "Settings of" in entries
    assert "joined as" not in entries

    by_person = client.get(trail_url("trail", project), {"person": str(carer_member.pk)})
    entries = by_person.text.split('id="entries"')[1].split('id="votes"')[0]
    assert "Steady Rowan joined as a member" in entries
    assert "Warm Lark" not in entries

    one_action = client.get(trail_url("trail", project), {"what": "stage.updated"})
    assert one_action.text.split('id="entries"')[1].count("Settings of") == 1

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = client.get(trail_url("trail", project), {"date_from": tomorrow})
    assert "No entries match these filters" in future.text


def test_dates_in_the_wrong_order_are_explained(client, project: Project, manager: User) -> None:
    client.force_login(manager)
    page = client.get(
        trail_url("trail", project), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    )
    assert page.status_code == 200
    assert "The end date must be the same as or after the start date." in page.text
    assert 'href="#id_date_to"' in page.text


def test_keyset_paging_walks_the_whole_trail_once(client, project: Project, manager: User) -> None:
    add_events(project, manager, 120)
    client.force_login(manager)
    total = AuditEvent.objects.filter(project_id=project.pk).count()
    seen: list[int] = []
    url = trail_url("trail", project)
    for _ in range(10):
        page = client.get(url)
        seen += [event.sequence for event in (entry.event for entry in page.context["entries"])]
        if not page.context["older_url"]:
            break
        url = trail_url("trail", project) + page.context["older_url"]
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == total
    # And back again with "Newer entries".
    back = client.get(url.split("?")[0] + page.context["newer_url"])
    assert back.context["entries"][0].event.sequence < seen[0]
    assert "Newer entries" in page.text


def test_paging_keeps_the_filters(client, project: Project, manager: User) -> None:
    add_events(project, manager, 60)
    client.force_login(manager)
    page = client.get(trail_url("trail", project), {"what": "stage.updated"})
    assert "what=stage.updated" in page.context["older_url"]
    assert "before=" in page.context["older_url"]


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_trail(client, project: Project, manager: User) -> None:
    client.force_login(manager)
    add_events(project, manager, 60)
    urls = [
        trail_url("trail", project),
        trail_url("trail", project) + "?what=group:stages",
        trail_url("history", project),
    ]
    client.get(urls[0])  # warm the session
    short = [_queries(client, url) for url in urls]
    add_events(project, manager, 400)
    long = [_queries(client, url) for url in urls]
    assert short == long
    # Deep pages cost the same as shallow ones (one more query than the first page:
    # whether there are newer entries).
    near = _queries(client, trail_url("trail", project) + "?before=400")
    deep = _queries(client, trail_url("trail", project) + "?before=40")
    assert near == deep == short[0] + 1


def test_votes_show_as_a_count_for_each_past_day_never_who_or_when(
    client,
    project: Project,
    manager: User,
    lived_experience_member: User,
    carer_member: User,
    record_at,
) -> None:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    day = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)
    for minutes, member in (
        (1, lived_experience_member),
        (7, carer_member),
        (9, lived_experience_member),  # a changed vote: still one member
    ):
        record_at(
            day + dt.timedelta(minutes=minutes),
            action="ballot.cast",
            actor=member,
            project_id=project.pk,
            # As decisions.services.ballot_cast writes it: the stage in the details.
            details={"stage": str(stage.pk)},
        )
    with transaction.atomic():
        record(
            action="ballot.cast", actor=carer_member, project_id=project.pk, target=stage
        )  # today
    client.force_login(manager)
    page = client.get(trail_url("trail", project))
    votes = page.text.split('id="votes"')[1]
    assert "2 members voted in &#x27;" in votes
    assert "3 Mar 2026" in votes
    assert votes.count("voted in") == 1  # today's vote waits for tomorrow
    entries = page.text.split('id="entries"')[1].split('id="votes"')[0]
    assert "ballot" not in entries.lower()
    assert "voted" not in entries
    # Filtering by a person never shows their votes.
    one_person = client.get(trail_url("trail", project), {"person": str(carer_member.pk)})
    assert "voted in" not in one_person.text
    # The members' history shows the same counts.
    client.force_login(carer_member)
    history = client.get(trail_url("history", project))
    assert "2 members voted in &#x27;" in history.text


def test_members_see_a_short_history_without_names(
    client, project: Project, lived_experience_member: User
) -> None:
    facilitator = project.memberships.get(role="facilitator").user
    stage = project.stages.get(position=1)
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    client.force_login(lived_experience_member)
    page = client.get(trail_url("history", project))
    assert page.status_code == 200
    main = page.text.split('id="maincontent"')[1]
    assert "A member joined the project" in main
    assert "An observer joined the project" in main
    link = f'<a href="{stage.get_absolute_url()}">{stage.title}</a>'
    assert f"Stage &#x27;{link}&#x27; opened" in main
    for name in ("Quiet Heron", "Steady Rowan", "Clear Brook", "Silver Birch", "Warm Lark"):
        assert name not in main.split("</header>")[-1]
    assert "Invitation" not in main
    assert trail_url("trail", project) not in main


def test_the_trail_links_to_the_events_of_a_stage(client, project: Project, manager: User) -> None:
    """A decision record links here with ?stage=<its stage>: the events that led to it."""
    stage = project.stages.get(position=2)
    client.force_login(manager)
    page = client.get(trail_url("trail", project), {"stage": str(stage.pk)})
    assert page.context["form"].cleaned_data["stage"] == str(stage.pk)
    assert re.search(rf'<option value="{stage.pk}" selected>', page.text)
