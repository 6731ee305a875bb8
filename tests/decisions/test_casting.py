"""Casting a vote: few queries, no error in PostgreSQL, one ballot and one participation per
member under any concurrency, one audit event per accepted cast, and the stage's state and
the membership checked at the moment of casting. (Speed itself is measured in bench/.)"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.audit.verify import verify_chain
from coproduce.errors import RightsError, RuleError
from decisions import permissions as vote_permissions
from decisions import services
from decisions.models import Ballot, Participation
from participants.models import User
from participants.notifications.models import Kind, Notification
from projects import access
from projects import services as project_services
from projects.models import Membership, Project, Stage


def _voting_stage(project: Project, facilitator: User, author: User) -> Stage:
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        services.proposal_create(actor=author, stage=stage, title=title, body="Why it matters.")
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def _ballot_url(stage: Stage) -> str:
    return reverse(
        "decisions:ballot", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """What a request sends, without the savepoints the test's own transaction adds
    (outside a test the cast's transaction is BEGIN ... COMMIT, which are not counted)."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


@pytest.mark.django_db
def test_a_first_cast_takes_eight_queries_and_a_recast_seven_with_session_and_user(
    client,
    project: Project,
    facilitator: User,
    carer_member: User,
    django_capture_on_commit_callbacks,
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    first, second, _third = services.stage_options(stage)
    client.force_login(carer_member)
    assert client.get(_ballot_url(stage)).status_code == 200

    counted = []
    for option in (first, second):  # a first cast, then a changed one
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(_ballot_url(stage), {f"option-{option.pk}": "1"})
        assert response.status_code == 302, response.text[:2000]
        counted.append(_statements(queries))

    # Session, user, stage with project, membership and rights, options; the cast's
    # statement; the chain's lock with its head, the event (with its day's count); after
    # a first cast only, reminders taken back (a member who has voted is sent none).
    assert [len(statements) for statements in counted] == [8, 7]
    assert 'DELETE FROM "participants_notification"' in counted[0][-1]
    assert not any("participants_notification" in sql for sql in counted[1])
    for statements in counted:
        assert not any("ROLLBACK" in sql for sql in statements)
        # The membership is read with the stage (one prepared statement), never in a
        # statement of its own.
        main_tables = [sql.split(" FROM ", 1)[-1].split(" ", 1)[0] for sql in statements]
        assert '"projects_membership"' not in main_tables, statements
        assert sum("EXECUTE coproduce_stage_page_" in sql for sql in statements) == 1
        assert sum("EXECUTE coproduce_ballot_cast_" in sql for sql in statements) == 1
        assert not any('FROM "auth_permission"' in sql for sql in statements)
    assert 'JOIN "projects_membership" AS "membership"' in access._stage_sql(("voting_rules",))
    ballot = Ballot.objects.get(stage=stage)
    assert ballot.content == {"dots": {str(second.pk): 1}}
    assert Participation.objects.filter(stage=stage).count() == 1
    assert AuditEvent.objects.filter(action="ballot.cast").count() == 2


@pytest.mark.django_db
def test_without_prepared_statements_a_cast_sends_the_same_statements_as_plain_sql(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    """DATABASE_PREPARED_STATEMENTS=false (behind PgBouncer in transaction mode): the
    same statements, sent as they are, and the same outcome."""
    stage = _voting_stage(project, facilitator, carer_member)
    first, second, _third = services.stage_options(stage)
    client.force_login(carer_member)
    with override_settings(DATABASE_PREPARED_STATEMENTS=False):
        for option in (first, second):
            with CaptureQueriesContext(connection) as queries:
                response = client.post(_ballot_url(stage), {f"option-{option.pk}": "1"})
            assert response.status_code == 302, response.text[:2000]
    statements = _statements(queries)
    assert len(statements) == 7
    assert not any("EXECUTE coproduce_" in sql for sql in statements)
    assert any('JOIN "projects_membership" AS "membership"' in sql for sql in statements)
    assert Ballot.objects.get(stage=stage).content == {"dots": {str(second.pk): 1}}
    assert AuditEvent.objects.filter(action="ballot.cast").count() == 2
    assert verify_chain(project.pk).intact


@pytest.mark.django_db
def test_casting_takes_back_a_reminder_not_yet_emailed(
    project: Project, facilitator: User, carer_member: User, django_capture_on_commit_callbacks
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    Notification.objects.create(
        recipient=carer_member,
        kind=Kind.VOTING_REMINDER,
        key=f"reminder24:{stage.pk}:{carer_member.pk}",
        delivery="immediate",
        subject="A reminder: voting closes soon",
        body="You have not voted yet.",
    )
    option = services.stage_options(stage)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(actor=carer_member, stage=stage, raw={str(option.pk): 1})
    assert not Notification.objects.filter(kind=Kind.VOTING_REMINDER).exists()


@pytest.mark.django_db
def test_someone_who_left_cannot_cast_with_a_page_loaded_before(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    carer = User.objects.get(pk=carer_member.pk)
    option = services.stage_options(stage)[0]
    assert vote_permissions.can_vote(carer, stage)  # rights read, as a page would
    Membership.objects.filter(user=carer_member, project=project).update(left_at=timezone.now())
    with pytest.raises(RightsError):
        services.ballot_cast(actor=carer, stage=stage, raw={str(option.pk): 1})
    assert not Ballot.objects.filter(stage=stage).exists()
    assert not Participation.objects.filter(stage=stage).exists()
    assert not AuditEvent.objects.filter(action="ballot.cast").exists()


def _threads(count: int, work: Any) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_simultaneous_casts_by_one_member_make_one_ballot_and_an_event_each_without_errors(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    options = [str(option.pk) for option in services.stage_options(stage)]
    sent: list[list[str]] = []

    def cast(index: int) -> None:
        voter = carer_member if index < 8 else clinician_member
        with CaptureQueriesContext(connection) as queries:
            services.ballot_cast(
                actor=User.objects.get(pk=voter.pk),
                stage=Stage.objects.select_related("project").get(pk=stage.pk),
                raw={options[index % 3]: 1},
            )
        sent.append([query["sql"] for query in queries.captured_queries])

    errors = _threads(10, cast)

    assert errors == []
    assert Ballot.objects.filter(stage=stage).count() == 2
    assert Participation.objects.filter(stage=stage).count() == 2
    assert Participation.objects.filter(stage=stage, user=carer_member).count() == 1
    events = AuditEvent.objects.filter(action="ballot.cast")
    assert events.filter(actor_id=carer_member.pk).count() == 8
    assert events.filter(actor_id=clinician_member.pk).count() == 2
    assert verify_chain(project.pk).intact
    # Nothing failed inside PostgreSQL: no statement was rolled back to a savepoint
    # (a caught unique violation would have been, and logged an ERROR).
    assert len(sent) == 10
    assert not [sql for statements in sent for sql in statements if "ROLLBACK" in sql]


@pytest.mark.django_db(transaction=True)
def test_a_cast_waiting_while_voting_closes_is_not_counted(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    option = str(services.stage_options(stage)[0].pk)
    closing_holds_the_stage = threading.Event()
    outcome: list[object] = []

    def close_slowly() -> None:
        # What closing does first: lock the stage. The cast arrives meanwhile.
        with transaction.atomic():
            Stage.objects.select_for_update().get(pk=stage.pk)
            closing_holds_the_stage.set()
            with connection.cursor() as cursor:  # until the cast waits for the stage
                for _attempt in range(400):
                    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                    if cursor.fetchone()[0]:
                        break
                    threading.Event().wait(0.025)
            Stage.objects.filter(pk=stage.pk).update(state=Stage.State.CLOSED)
        connection.close()

    def cast() -> None:
        closing_holds_the_stage.wait()
        try:
            services.ballot_cast(
                actor=User.objects.get(pk=carer_member.pk),
                stage=Stage.objects.select_related("project").get(pk=stage.pk),
                raw={option: 1},
            )
        except RuleError as error:
            outcome.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close_slowly), threading.Thread(target=cast)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcome) == 1
    assert "Voting has closed" in str(outcome[0])
    assert not Ballot.objects.filter(stage=stage).exists()
    assert not Participation.objects.filter(stage=stage).exists()
    assert not AuditEvent.objects.filter(action="ballot.cast").exists()
