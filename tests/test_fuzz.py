"""Hostile input to every page found in the URLconf: never a 500, never a half-write.

The pages are discovered, not listed: every URL pattern of the portal (the admin and
allauth's own pages aside, which are Django's and allauth's) is filled in with the
ids of a real project, its stages, proposals, comments and people, and then:

- its path parameters get hostile values (superscript and Arabic digits, 5,000
  digits, NUL and control characters, huge strings): the answer is a 404 or a
  refusal, never a 500;
- it is read with hostile query parameters (those of its GET forms and the ones
  pages use for paging and filters);
- each form it shows (method POST), as a facilitator, an observer and members, in a
  stage open for ideas, one in voting and one closed, is sent back with one to three
  fields replaced by hostile values (NUL and control characters, 1 MB strings, years
  1 and 9999, 5,000-digit and non-ASCII digits, wrong types); and the address itself
  is sent a POST of hostile values even where no page shows its form.

A refused request (a page shown again, 400, 403, 404, 405) must leave every table of
the portal's apps exactly as it found it: nothing is half-written. A redirect, or a
file sent back (a download, not a page), is a request that was carried out.

The scene is built once for the module, inside a transaction that is rolled back at
the end, and every example runs in a savepoint of its own that is rolled back after
it: each example sees the same data, so what hypothesis draws never depends on what
an earlier example changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisions import services
from participants.models import User
from projects import services as project_services
from projects.models import Membership, Stage
from tests.conftest import join
from tests.factories import UserFactory, enable_totp

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "accounts/")
# Tables whose rows change on any request (sessions, allauth's sign-in records): not
# part of the portal's data.
NOT_COUNTED = ("django_session", "usersessions_usersession")
# The modules whose URL patterns the portal serves: discovery must find each one's.
PORTAL_URLCONFS = (
    "coproduce.site.urls",
    "participants.urls",
    "projects.urls",
    "decisions.urls",
    "trail.urls",
)

HUGE = "x" * (1024 * 1024)
HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "\x1b[31m",
            "\u202egnp.exe",
            "line\r\nBcc: x@example.org",
            "²",
            "\u0661\u0662\u0663",
            "9" * 5000,
            "-1",
            "0",
            "1e309",
            "NaN",
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "0001-01-01",
            "9999-12-31",
            "99999-01-01T00:00",
            "2026-02-30T25:61",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "true",
            "[]",
            "{}",
        ]
    ),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    # A 1 MB string in about one value of a hundred: enough to be met, cheap enough.
    st.integers(0, 99).map(lambda roll: HUGE if roll == 0 else "x" * 300),
)
HOSTILE_PATH = st.sampled_from(
    [
        "²",
        "\u0661",
        "9" * 5000,
        "0",
        "-1",
        "a\x00b",
        "%00",
        "x" * 2000,
        "00000000-0000-0000-0000-000000000000",
    ]
)
QUERY_NAMES = ("page", "before", "after", "q", "next", "kind", "action", "actor", "day", "state")
QUERY_NAMES += ("what", "person", "stage", "date_from", "date_to", "format", "token")
# Field names tried on an address whose form no page shows.
BARE_FIELDS = ("title", "body", "reason", "to_state", "direction", "confirm", "parent", "note")
PEOPLE = ("facilitator", "manager", "carer", "clinician")
STAGES = ("open", "voting", "closed")

FUZZ = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
FUZZ_FORM = settings(FUZZ, max_examples=3)
# An address sent a POST with no form behind it: most refuse at once.
FUZZ_BARE = settings(FUZZ, max_examples=2)


class _Forms(HTMLParser):
    """The forms of a page: method, action and each field's name and current value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (found.get("method") or "get").lower(),
                    "action": found.get("action") or "",
                    "fields": {},
                    "choices": {},
                }
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select") and found.get("name"):
            name = found["name"] or ""
            form = self.forms[-1]
            kind = (found.get("type") or "").lower()
            if tag == "select":
                self._select = name
                form["fields"].setdefault(name, "")
            elif kind in ("checkbox", "radio"):
                form["choices"].setdefault(name, []).append(found.get("value") or "on")
                if "checked" in found:
                    form["fields"][name] = found.get("value") or "on"
            elif kind not in ("submit", "button"):
                form["fields"].setdefault(name, found.get("value") or "")
        elif tag == "option" and self._select:
            form = self.forms[-1]
            form["choices"].setdefault(self._select, []).append(found.get("value") or "")
            if "selected" in found:
                form["fields"][self._select] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


CONSTITUENCIES = {"lived": "lived_experience", "carer": "carer", "clinician": "clinician"}


@dataclass
class Scene:
    """A project with a stage open for ideas and one in voting, and a second project
    with a closed stage and its decision; the people signed in (their session keys)."""

    stages: dict[str, Stage]
    people: dict[str, User]
    sessions: dict[str, str]


def _build_scene() -> Scene:
    facilitator = UserFactory(email="fuzz-facilitator@example.org", display_name="Warm Lark")
    facilitator.user_permissions.add(Permission.objects.get(codename="add_project"))
    enable_totp(facilitator)
    manager = UserFactory(email="fuzz-manager@example.org", display_name="Silver Birch")
    enable_totp(manager)
    members = {
        "lived": UserFactory(email="fuzz-lived@example.org", display_name="Quiet Heron"),
        "carer": UserFactory(email="fuzz-carer@example.org", display_name="Steady Rowan"),
        "clinician": UserFactory(email="fuzz-clinician@example.org", display_name="Clear Brook"),
    }
    facilitator = User.objects.get(pk=facilitator.pk)

    project = project_services.project_create(
        actor=facilitator, title="Better crisis care", purpose="Nights.", ground_rules="Listen."
    )
    second = project_services.project_create(
        actor=facilitator, title="Where we meet", purpose="Choose a place.", ground_rules="Kind."
    )
    for each in (project, second):
        for key, person in members.items():
            join(each, person, "member", CONSTITUENCIES[key])
        join(each, manager, "observer")

    first = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    idea = services.proposal_create(
        actor=members["carer"], stage=first, title="Night line", body="Nobody answers at 3am."
    )
    services.comment_create(actor=members["clinician"], proposal=idea, body="Agreed.")
    project_services.invitation_create(
        actor=facilitator, project=project, email="fuzz-invited@example.org", role="member"
    )

    priority = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=2), to_state="open"
    )
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        services.proposal_create(actor=members["lived"], stage=priority, title=title, body="Why.")
    priority = project_services.stage_transition(
        actor=facilitator, stage=priority, to_state="voting"
    )

    decided = project_services.stage_transition(
        actor=facilitator, stage=second.stages.get(position=2), to_state="open"
    )
    for title in ("Library", "Cafe", "Community hall"):
        services.proposal_create(actor=members["carer"], stage=decided, title=title, body="Near.")
    decided = project_services.stage_transition(actor=facilitator, stage=decided, to_state="voting")
    services.voting_close(actor=facilitator, stage=decided)

    _meetings_and_payments(project, facilitator, members["carer"])

    people = {"facilitator": facilitator, "manager": manager, **members}
    sessions = {}
    for key, person in people.items():
        client = Client()
        client.force_login(person)
        sessions[key] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    stages = {
        "open": Stage.objects.get(pk=first.pk),
        "voting": Stage.objects.get(pk=priority.pk),
        "closed": Stage.objects.get(pk=decided.pk),
    }
    return Scene(stages=stages, people=people, sessions=sessions)


def _meetings_and_payments(project: Any, facilitator: User, carer: User) -> None:
    """A payment policy, a meeting held yesterday (the carer came: a claim; minutes), and
    one next week."""
    import datetime as dt

    from django.utils import timezone

    from meetings import services as meetings
    from payments import services as payments

    today = timezone.localdate()
    payments.policy_set(actor=facilitator, project=project, starts_on=today - dt.timedelta(days=9))
    payments.activity_add(
        actor=facilitator,
        project=project,
        kind="meeting",
        name="Meetings",
        unit="hour",
        amount="27.50",
        effective_from=today - dt.timedelta(days=9),
    )
    for days in (-1, 7):
        starts = timezone.now() + dt.timedelta(days=days)
        meeting = meetings.meeting_schedule(
            actor=facilitator,
            project=project,
            title="Workshop",
            purpose="Talk",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            place="Room 4",
        )
        if days < 0:
            payments.attendance_record_with_claims(
                actor=facilitator, meeting=meeting, present={carer.pk: "online"}
            )
            meetings.minutes_write(actor=facilitator, meeting=meeting, text="We met.")


# Meeting pages that are about a meeting already held (the others: the one to come).
HELD_MEETING_PAGES = ("/attendance/", "/minutes/", "/stages/")


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any) -> Iterator[Scene]:
    """The scene, built once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_scene()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@contextmanager
def _undone() -> Iterator[None]:
    """Run one example in a savepoint rolled back after it, with fresh rate limits."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _walk(patterns: list[Any], prefix: str, found: list[tuple[str, URLPattern]]) -> None:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _walk(entry.url_patterns, prefix + str(entry.pattern), found)
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry))


def _patterns() -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    _walk(get_resolver().url_patterns, "", found)
    return [(route, pattern) for route, pattern in found if not route.startswith(SKIPPED_PREFIXES)]


ROUTES = [route for route, _pattern in _patterns()]


def _fill(route: str, scene: Scene, stage: Stage, hostile: dict[str, str] | None = None) -> str:
    """The route with its parameters replaced by ids of the scene (or hostile values)."""
    project = stage.project
    proposal = stage.proposals.order_by("created_at").first()
    comment = proposal.comments.first() if proposal else None
    membership = Membership.objects.filter(project=project, role="member").first()
    invitation = project.invitations.first()
    from meetings.models import Meeting
    from payments.models import Activity, Claim

    meetings = Meeting.objects.filter(project=project).order_by("starts_at")
    meeting = (meetings.first() if any(p in route for p in HELD_MEETING_PAGES) else None) or (
        meetings.last()
    )
    claim = Claim.objects.filter(project=project).first()
    activity = Activity.objects.filter(policy__project=project).first()
    values = {
        "meeting_id": str(meeting.pk) if meeting else "0",
        "claim_id": str(claim.pk) if claim else "0",
        "activity_id": str(activity.pk) if activity else "0",
        "project_id": str(project.pk),
        "stage_id": str(stage.pk),
        "proposal_id": str(proposal.pk) if proposal else "0",
        "comment_id": str(comment.pk) if comment else "0",
        "membership_id": str(membership.pk) if membership else "0",
        "invitation_id": str(invitation.pk) if invitation else "0",
        "export_id": "0",
        "notification_id": "00000000-0000-0000-0000-000000000000",
        "token": "not-a-token",
    }
    values.update(hostile or {})

    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1), "0")

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", replace, route)


_COUNT_QUERY: list[str] = []


def _counts() -> dict[str, int]:
    """Rows in every table of the portal's own apps (one query)."""
    with connection.cursor() as cursor:
        if not _COUNT_QUERY:
            _COUNT_QUERY.append(_count_query(cursor))
        cursor.execute(_COUNT_QUERY[0])
        return dict(cursor.fetchall())


def _count_query(cursor: Any) -> str:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND (table_name LIKE 'projects_%%' OR table_name LIKE 'decisions_%%' "
        "OR table_name LIKE 'participants_%%' OR table_name LIKE 'coproduce_%%' "
        "OR table_name LIKE 'trail_%%' OR table_name LIKE 'account_%%' "
        "OR table_name LIKE 'meetings_%%' OR table_name LIKE 'payments_%%' "
        "OR table_name LIKE 'mfa_%%' OR table_name LIKE 'guardian_%%' "
        "OR table_name LIKE 'auth_%%')"
    )
    tables = [row[0] for row in cursor.fetchall() if row[0] not in NOT_COUNTED]
    return " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in tables)  # noqa: S608


def _client(scene: Scene, person: str) -> Client:
    """A browser signed in as the person (their session from the scene)."""
    client = Client(raise_request_exception=False)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = scene.sessions[person]
    return client


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} gave {response.status_code}"


def _carried_out(response: Any) -> bool:
    """A redirect, or a file sent back instead of a page: the request was done."""
    if response.status_code in (301, 302, 303):
        return True
    content_type = response.get("Content-Type", "")
    return response.status_code == 200 and not content_type.startswith("text/html")


def test_route_discovery_finds_every_page_of_every_app() -> None:
    """The fuzz tests cover what discovery finds: it must find every app's pages, so a
    change to the URLconf can never quietly leave the fuzz tests with nothing to test."""
    discovered = {pattern.callback for _route, pattern in _patterns()}
    for name in PORTAL_URLCONFS:
        module = import_module(name)
        found: list[tuple[str, URLPattern]] = []
        _walk(module.urlpatterns, "", found)
        assert found, f"{name} has no pages?"
        # The site's urls hold the admin's and allauth's pages too: those are skipped.
        found = [
            (route, pattern) for route, pattern in found if not route.startswith(SKIPPED_PREFIXES)
        ]
        assert found, f"{name} has no pages of the portal?"
        missing = [route for route, pattern in found if pattern.callback not in discovered]
        assert not missing, f"discovery missed {name}: {missing}"
    assert len(ROUTES) >= 40
    assert not [route for route in ROUTES if route.startswith(SKIPPED_PREFIXES)]


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_path_and_query_values_never_give_a_500(route: str, scene: Scene) -> None:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)

    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(PEOPLE))
        stage = scene.stages[data.draw(st.sampled_from(STAGES))]
        hostile = {}
        if names and data.draw(st.booleans()):
            hostile[data.draw(st.sampled_from(names))] = data.draw(HOSTILE_PATH)
        query_names = data.draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=4))
        query = {name: data.draw(HOSTILE_TEXT) for name in query_names}
        with _undone():
            url = _fill(route, scene, stage, hostile)
            before = _counts()
            response = _client(scene, person).get(url, query)
            _check(response, f"GET {url[:200]} {sorted(query)} as {person}")
            if response.status_code != 200:
                assert _counts() == before, f"GET {url[:200]} was refused but changed the data"

    fuzz()


@dataclass(frozen=True)
class Target:
    """One form to send back: who sends it, from which stage's page, to where."""

    person: str
    stage: str
    action: str
    fields: tuple[tuple[str, str], ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...]


# Forms already fuzzed in this run (the layout's forms are on every page): by who
# sends them, where to (with the stage's id in it) and their fields.
_FUZZED: set[tuple[str, str, tuple[str, ...]]] = set()


def _targets(scene: Scene, route: str) -> list[Target]:
    """The POST forms the route's page shows to each person in each stage, each form
    once; and the route itself as the target of a bare POST."""
    from django.urls import Resolver404, resolve

    targets = []
    # The stage matters only to the address it makes: each distinct address once.
    urls = {}
    for stage_name in STAGES:
        urls.setdefault(_fill(route, scene, scene.stages[stage_name]), stage_name)
    for person in PEOPLE:
        for url, stage_name in urls.items():
            with _undone():
                page = _client(scene, person).get(url)
                _check(page, f"GET {url} as {person}")
            if page.status_code != 200 or not page.get("Content-Type", "").startswith("text/html"):
                continue
            parser = _Forms()
            parser.feed(page.content.decode(errors="replace"))
            for form in parser.forms:
                action = form["action"] or url
                if form["method"] != "post" or not action.startswith("/"):
                    continue
                try:
                    resolve(action.split("?")[0])
                except Resolver404:
                    continue
                # The layout's forms (on every page) have the same address everywhere.
                key = (person, action, tuple(sorted(form["fields"])))
                if key in _FUZZED:
                    continue
                _FUZZED.add(key)
                targets.append(
                    Target(
                        person,
                        stage_name,
                        action,
                        tuple(form["fields"].items()),
                        tuple((name, tuple(values)) for name, values in form["choices"].items()),
                    )
                )
    # The address itself, with no form: as the facilitator from every stage, and as a
    # member from the first.
    for url, stage_name in urls.items():
        targets.append(Target("facilitator", stage_name, url, (), ()))
    url, stage_name = next(iter(urls.items()))
    targets.append(Target("carer", stage_name, url, (), ()))
    return targets


def _fuzz(scene: Scene, target: Target) -> None:
    """Send the target's form back a few times, one to three fields made hostile."""

    @FUZZ_FORM if target.fields or target.choices else FUZZ_BARE
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        values: dict[str, Any] = dict(target.fields)
        for name, choices in target.choices:
            values.setdefault(name, data.draw(st.sampled_from(choices)))
        names = sorted(values) or list(BARE_FIELDS)
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        for name in chosen:
            values[name] = data.draw(st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=3)))
        values.pop("csrfmiddlewaretoken", None)
        what = f"POST {target.action} as {target.person} ({target.stage} stage) {sorted(values)}"
        with _undone():
            before = _counts()
            response = _client(scene, target.person).post(target.action, values)
            _check(response, what)
            if not _carried_out(response):
                assert _counts() == before, (
                    f"{what} was refused ({response.status_code}) but changed the data"
                )

    fuzz()


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_form_values_never_give_a_500_or_a_half_write(route: str, scene: Scene) -> None:
    for target in _targets(scene, route):
        _fuzz(scene, target)
