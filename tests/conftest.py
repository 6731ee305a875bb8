"""The fixed cast of the design, shared by every test, and a real Celery worker for the
tests about background work (every other test runs its tasks at once)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from coproduce.celery import app as celery_app
from participants.models import User
from tests.factories import PASSWORD, UserFactory, enable_totp


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def lived_experience_member(db: None) -> User:
    return UserFactory(email="lived@example.org", display_name="Quiet Heron")


@pytest.fixture
def carer_member(db: None) -> User:
    return UserFactory(email="carer@example.org", display_name="Steady Rowan")


@pytest.fixture
def clinician_member(db: None) -> User:
    return UserFactory(email="clinician@example.org", display_name="Clear Brook")


@pytest.fixture
def facilitator(db: None) -> User:
    """Runs co-production here: may create projects, and has two-factor sign-in on."""
    from django.contrib.auth.models import Permission

    person = UserFactory(email="facilitator@example.org", display_name="Warm Lark")
    person.user_permissions.add(Permission.objects.get(codename="add_project"))
    enable_totp(person)
    return User.objects.get(pk=person.pk)


@pytest.fixture
def manager(db: None) -> User:
    """An NHS manager who observes projects, with two-factor sign-in on."""
    person = UserFactory(email="manager@example.org", display_name="Silver Birch")
    enable_totp(person)
    return person


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(email="outsider@example.org", display_name="Misty Fern")


def force_login_with_two_factors(client: Client, user: User) -> None:
    """Sign a test client in as a person who proved both factors in this session.

    What signing in through the pages with a password and the authenticator app's code
    leaves in the session: allauth's authentication records ("password", then "mfa"),
    which facilitator and observer pages (and the admin) ask for.
    """
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    Client.force_login(client, user)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, "password")
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    record_authentication(request, user, "mfa", id=totp.pk, type=totp.type)
    request.session.save()


class SignInClient(Client):
    """Django's test client whose `force_login` signs in the way the person would.

    A person with an authenticator app signs in through the pages with it, so the session
    carries the second factor (see `force_login_with_two_factors`); pass
    `two_factors=False` for a session that did not use it (signed in before switching it
    on, or by some other route). Everyone else just signs in.
    """

    def force_login(self, user: User, backend: str | None = None, *, two_factors: bool = True):  # type: ignore[no-untyped-def, override]
        from allauth.mfa.utils import is_mfa_enabled

        if two_factors and is_mfa_enabled(user):
            return force_login_with_two_factors(self, user)
        return super().force_login(user, backend)


@pytest.fixture
def client() -> Client:
    """pytest-django's `client`, signing people in as they would sign in (see SignInClient)."""
    return SignInClient()


@pytest.fixture
def anonymous_client(client):  # type: ignore[no-untyped-def]
    """A visitor who is not signed in."""
    return client


@pytest.fixture(scope="session", autouse=True)
def _empty_test_broker() -> None:
    """Start the session with an empty test queue: nothing a stopped run left behind is run."""
    celery_app.control.purge()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(request: pytest.FixtureRequest) -> Iterator[None]:
    """Outside the tests about the worker, a task queued (after a commit) runs there and
    then, in the thread that queued it: its emails are in `mail.outbox` at once, and no
    task is left running while the database is emptied between tests."""
    celery_app.conf.task_always_eager = "celery_worker" not in request.fixturenames
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[object]:
    """A real Celery worker in a thread, on the configured broker (Redis in CI), for this
    test only and on an empty queue.

    It sees only committed data (its own database connection), hence `transactional_db`;
    it is stopped, after its current task, and its connection closed before the database
    is emptied for the next test.
    """
    from celery.signals import task_postrun
    from django.db import connections

    def close_connections(**kwargs: object) -> None:
        connections.close_all()  # in the worker's thread: its own connections

    celery_app.conf.broker_transport_options = {
        **(celery_app.conf.broker_transport_options or {}),
        "polling_interval": 0.05,
    }
    celery_app.control.purge()
    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connections)
        celery_app.control.purge()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Start every test with empty rate-limit counters (they live in the cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def wait_for(condition, timeout: float = 15.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Gave up waiting after {timeout} s for {condition}")


def code_from_email(message) -> str:  # type: ignore[no-untyped-def]
    """Return the one-time code (like 'ABCD-EFGH') written on a line of its own in an email."""
    import re

    found = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert found, f"No code in the email:\n{message.body}"
    return found.group(1)


def join(project, user: User, role: str, constituency: str = "") -> None:  # type: ignore[no-untyped-def]
    """Bring a person into a project the real way: invited, then accepting."""
    from projects import services
    from projects.models import Membership

    inviter = (
        Membership.objects.filter(project=project, role="facilitator", left_at__isnull=True)
        .select_related("user")
        .first()
        .user
    )
    _invitation, token = services.invitation_create(
        actor=inviter, project=project, email=user.email, role=role
    )
    services.invitation_accept(
        actor=user, token=token, constituency=constituency, accepts_ground_rules=True
    )


@pytest.fixture
def project(  # type: ignore[no-untyped-def]
    facilitator, lived_experience_member, carer_member, clinician_member, manager, outsider
):
    """A project run by the facilitator, with one member of each constituency and an observer."""
    from projects import services

    created = services.project_create(
        actor=facilitator,
        title="Better crisis care at night",
        purpose="Make the night-time crisis line work for the people who call it.",
        ground_rules="We listen. We share power. Every member has one equal vote.",
    )
    join(created, lived_experience_member, "member", "lived_experience")
    join(created, carer_member, "member", "carer")
    join(created, clinician_member, "member", "clinician")
    join(created, manager, "observer")
    return created


def field_error(page, field: str) -> str:  # type: ignore[no-untyped-def]
    """The error shown beside a form's field on a page ("" when there is none), without
    the hidden "Error:" screen readers hear first."""
    import html
    import re

    found = re.search(
        rf'<span class="nhsuk-error-message" id="id_{re.escape(field)}_error">(.*?)</span>\s*'
        r"(?:<|$)",
        page.content.decode(),
        re.DOTALL,
    )
    if found is None:
        return ""
    text = re.sub(r"<[^>]+>", "", found.group(1)).replace("Error:", "").strip()
    return html.unescape(text)
