"""Involvement payments: the policy and its rate versions, choices, claims and reviews."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from meetings.models import Attendance
from participants.notifications.models import Notification
from payments import selectors, services
from payments.models import Claim, PaymentChoice, PaymentPolicy, Rate, tax_year_of
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.django_db


def _attend(facilitator, meeting, *people, mode="in_person"):  # type: ignore[no-untyped-def]
    return services.attendance_record_with_claims(
        actor=facilitator, meeting=meeting, present={person.pk: mode for person in people}
    )


# --- The policy and its rates -----------------------------------------------------------


def test_rates_are_versions_never_changed(policy, facilitator) -> None:
    rates = list(Rate.objects.filter(activity__kind="meeting").order_by("effective_from"))
    assert [rate.amount for rate in rates] == [Decimal("25.00"), Decimal("27.50")]
    with pytest.raises(DatabaseError), transaction.atomic():
        Rate.objects.filter(pk=rates[0].pk).update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        Rate.objects.filter(pk=rates[0].pk).delete()
    with pytest.raises(RuleError, match="already a rate from that day"):
        services.rate_set(
            actor=facilitator,
            activity=rates[0].activity,
            amount="30",
            effective_from=rates[0].effective_from,
        )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("25.505", "no more than two numbers after the point"),
        ("-1", "cannot be negative"),
        ("twenty", "pounds and pence"),
        ("NaN", "pounds and pence"),
    ],
)
def test_a_rate_must_be_pounds_and_pence(policy, facilitator, amount, message) -> None:
    activity = policy.activities.get(kind="meeting")
    with pytest.raises(RuleError, match=message):
        services.rate_set(
            actor=facilitator, activity=activity, amount=amount, effective_from=dt.date(2030, 1, 1)
        )


def test_only_facilitators_set_the_policy(project, manager, carer_member) -> None:
    for person in (manager, carer_member):
        with pytest.raises(RightsError):
            services.policy_set(actor=person, project=project, starts_on=dt.date(2027, 1, 1))


# --- Choices ----------------------------------------------------------------------------


def test_a_choice_is_private_and_changeable(project, carer_member, facilitator, manager) -> None:
    services.payment_choice_set(actor=carer_member, project=project, choice="voucher")
    services.payment_choice_set(actor=carer_member, project=project, choice="payment")
    assert PaymentChoice.objects.get().choice == "payment"
    events = AuditEvent.objects.filter(action="payments.choice_made")
    assert events.count() == 2
    for event in events:
        assert "payment" not in str(event.details)
        assert "voucher" not in str(event.details)
    for person in (facilitator, manager):  # staff do not claim
        with pytest.raises(RightsError):
            services.payment_choice_set(actor=person, project=project, choice="payment")


# --- Claims from attendance -------------------------------------------------------------


def test_attendance_makes_one_claim_at_the_rate_of_that_day(
    project, policy, facilitator, past_meeting, carer_member, lived_experience_member, manager
) -> None:
    # Two days ago the new rate (£27.50 an hour, from 5 days ago) was in force; 2.5 hours.
    made = _attend(facilitator, past_meeting, carer_member, lived_experience_member, manager)
    assert len(made) == 2  # the observer came as staff: no claim
    claim = Claim.objects.get(claimant=carer_member)
    assert (claim.kind, claim.quantity, claim.amount) == (
        "attendance",
        Decimal("2.50"),
        Decimal("68.75"),
    )
    assert claim.rate.amount == Decimal("27.50")
    # Idempotent: recording again, or making claims again, makes none twice.
    assert _attend(facilitator, past_meeting, carer_member, lived_experience_member) == []
    assert services.claims_for_attendance(actor=None, meeting=past_meeting) == []
    assert Claim.objects.count() == 2
    # One entry each time attendance makes claims, listing them (none the second time).
    events = AuditEvent.objects.filter(action="payments.attendance_claims_made")
    assert [event.details["count"] for event in events.order_by("sequence")] == [2, 0, 0]
    assert not AuditEvent.objects.filter(action="payments.claim_made").exists()


def test_an_older_meeting_is_paid_at_the_older_rate(project, policy, facilitator, carer_member):  # type: ignore[no-untyped-def]
    older = schedule(project, facilitator, days=-20, hours=1)
    _attend(facilitator, older, carer_member)
    assert Claim.objects.get().amount == Decimal("25.00")


def test_no_claim_for_someone_who_chose_no_payment(
    project, policy, facilitator, past_meeting, carer_member
) -> None:
    services.payment_choice_set(actor=carer_member, project=project, choice="none")
    _attend(facilitator, past_meeting, carer_member)
    assert not Claim.objects.exists()
    assert Attendance.objects.filter(user=carer_member).exists()
    with pytest.raises(RuleError, match="chose no payment"):
        services.claim_make(
            actor=carer_member,
            project=project,
            kind="attendance",
            meeting=past_meeting,
            on=timezone.localdate(),
            description="The workshop",
        )


def test_a_claim_for_a_meeting_not_attended_is_refused(
    project, policy, facilitator, past_meeting, carer_member, clinician_member
) -> None:
    _attend(facilitator, past_meeting, carer_member)
    with pytest.raises(RuleError, match="do not show you at that meeting"):
        services.claim_make(
            actor=clinician_member,
            project=project,
            kind="attendance",
            meeting=past_meeting,
            on=timezone.localdate(),
            description="The workshop",
        )
    with pytest.raises(RuleError, match="already claimed"):
        services.claim_make(
            actor=carer_member,
            project=project,
            kind="attendance",
            meeting=past_meeting,
            on=timezone.localdate(),
            description="The workshop",
        )


def test_taking_someone_off_after_their_claim_is_refused(
    policy, facilitator, past_meeting, carer_member, lived_experience_member
) -> None:
    _attend(facilitator, past_meeting, carer_member)
    with pytest.raises(RuleError, match="already claimed"):
        _attend(facilitator, past_meeting, lived_experience_member)
    assert Attendance.objects.filter(user=carer_member).exists()


# --- Claims a member makes --------------------------------------------------------------


def test_time_and_expenses(project, policy, reviewing, carer_member) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    time = services.claim_make(
        actor=carer_member,
        project=project,
        kind="time",
        activity=reviewing,
        quantity="1.5",
        on=yesterday,
        description="Read the draft leaflet",
    )
    assert time.amount == Decimal("45.00")
    travel = services.claim_make(
        actor=carer_member,
        project=project,
        kind="travel",
        amount="12.40",
        on=yesterday,
        description="Bus both ways",
    )
    assert travel.amount == Decimal("12.40")


@pytest.mark.parametrize(
    ("values", "message", "field"),
    [
        (
            {"kind": "travel", "amount": "5", "description": " "},
            "Say what the claim is for",
            "description",
        ),
        ({"kind": "travel", "amount": "5.123"}, "two numbers after the point", "amount"),
        ({"kind": "travel", "amount": "-5"}, "cannot be negative", "amount"),
        ({"kind": "travel", "amount": None}, "how much you spent", "amount"),
        ({"kind": "travel", "amount": "5", "days": -100}, "outside the payment policy", "on"),
        ({"kind": "travel", "amount": "5", "days": 3}, "already happened", "on"),
        ({"kind": "travel", "amount": "5", "days": None}, "Enter the day", "on"),
        ({"kind": "time", "quantity": "0"}, "more than 0", "quantity"),
        ({"kind": "attendance"}, "Choose the meeting", "meeting"),
        ({"kind": "gift"}, "Choose what you are claiming for", "kind"),
    ],
)
def test_kind_refusals_of_a_claim(  # type: ignore[no-untyped-def]
    project, policy, reviewing, carer_member, values, message, field
):
    """Each refusal names the claim form's field it is about (the page shows it there)."""
    days = values.pop("days", -1)
    values.setdefault("description", "Something")
    if values["kind"] == "time":
        values["activity"] = reviewing
    with pytest.raises(RuleError, match=message) as refused:
        services.claim_make(
            actor=carer_member,
            project=project,
            on=None if days is None else timezone.localdate() + dt.timedelta(days=days),
            **values,
        )
    assert refused.value.field == field
    assert not Claim.objects.exists()


def test_expenses_the_policy_does_not_pay_are_refused(
    project, policy, facilitator, carer_member
) -> None:
    services.policy_set(
        actor=facilitator, project=project, starts_on=policy.starts_on, care_expenses=False
    )
    with pytest.raises(RuleError, match="does not pay"):
        services.claim_make(
            actor=carer_member,
            project=project,
            kind="care",
            amount="20",
            on=timezone.localdate(),
            description="Childminder",
        )


# --- Review, the ledger, files ----------------------------------------------------------


def _expense(project, person, amount="10.00", days=1):  # type: ignore[no-untyped-def]
    return services.claim_make(
        actor=person,
        project=project,
        kind="travel",
        amount=amount,
        on=timezone.localdate() - dt.timedelta(days=days),
        description="Train",
    )


def test_approve_and_query_tell_the_member(project, policy, facilitator, carer_member, manager):  # type: ignore[no-untyped-def]
    first, second = _expense(project, carer_member), _expense(project, carer_member, "3.20")
    with pytest.raises(RightsError):
        services.claim_approve(actor=manager, project=project, claim=first)
    with pytest.raises(RuleError, match="Say what you want to ask"):
        services.claim_query(actor=facilitator, project=project, claim=second, reason=" ")
    services.claim_approve(actor=facilitator, project=project, claim=first)
    services.claim_query(
        actor=facilitator, project=project, claim=second, reason="Was it a return ticket?"
    )
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "approved", second.pk: "queried"}
    with pytest.raises(RightsError):  # approved is final
        services.claim_query(
            actor=facilitator, project=project, claim=Claim.objects.get(pk=first.pk), reason="x"
        )
    told = Notification.objects.filter(recipient=carer_member, kind="claim_reviewed")
    assert told.count() == 2
    assert any("return ticket" in note.body for note in told)
    # The reason is free text: never in the trail.
    assert "return ticket" not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_the_ledger_totals_each_uk_tax_year(project, policy, facilitator, carer_member) -> None:
    assert tax_year_of(dt.date(2027, 4, 5)) == 2026
    assert tax_year_of(dt.date(2027, 4, 6)) == 2027
    claims = [_expense(project, carer_member, amount) for amount in ("0.10", "0.20", "0.30")]
    for claim in claims[:2]:
        services.claim_approve(actor=facilitator, project=project, claim=claim)
    ledger = selectors.ledger(carer_member, project)
    year = ledger.years[0]
    assert (year.approved, year.pending) == (Decimal("0.30"), Decimal("0.30"))
    assert ledger.approved_total == Decimal("0.30")  # exact: no floating point


def test_cells_that_look_like_formulas_are_quoted(
    project, policy, facilitator, carer_member
) -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert services.safe_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert services.safe_cell("Train") == "Train"
    claim = services.claim_make(
        actor=carer_member,
        project=project,
        kind="travel",
        amount="4.00",
        on=timezone.localdate(),
        description='=HYPERLINK("http://evil.example","Click")',
    )
    services.claim_approve(actor=facilitator, project=project, claim=claim)
    exported = services.claims_export(actor=facilitator, project=project)
    assert "'=HYPERLINK" in exported
    assert ",=HYPERLINK" not in exported
    assert exported.endswith("\r\n")
    assert AuditEvent.objects.filter(action="payments.claims_exported").exists()
    statement = services.statement_csv(actor=carer_member, project=project)
    assert "'=HYPERLINK" in statement
    assert "4.00" in statement


@pytest.mark.django_db(transaction=True)
def test_totals_are_exact_under_concurrent_approvals(project, policy, facilitator, carer_member):  # type: ignore[no-untyped-def]
    """Eight facilitator requests at once, two of them for the same claim: each claim is
    approved once, and the ledger adds up to the penny."""
    claims = [_expense(project, carer_member, f"{n}.{n}1", days=n % 3) for n in range(1, 8)]
    targets = [*claims, claims[0]]
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def approve(claim: Claim) -> None:
        try:
            barrier.wait()
            services.claim_approve(actor=facilitator, project=project, claim=claim)
        except RuleError:
            pass  # the second approval of the same claim: already approved
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(claim,)) for claim in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = sum((Decimal(f"{n}.{n}1") for n in range(1, 8)), Decimal("0"))
    ledger = selectors.ledger(carer_member, project)
    assert sum((year.approved for year in ledger.years), Decimal("0")) == expected
    assert AuditEvent.objects.filter(action="payments.claim_approved").count() == 7
    assert set(Claim.objects.values_list("status", flat=True)) == {"approved"}


def test_a_clinician_taking_part_in_their_paid_job_makes_no_claim_but_is_recorded(
    client, project, policy, facilitator, past_meeting, carer_member, clinician_member
) -> None:  # type: ignore[no-untyped-def]
    from projects import services as project_services
    from projects.models import Membership

    membership = Membership.objects.get(project=project, user=clinician_member)
    # The facilitator marks it on the people page.
    client.force_login(facilitator)
    page = client.post(
        reverse(
            "projects:membership_paid_staff",
            kwargs={"project_id": project.pk, "membership_id": membership.pk},
        ),
        {"paid_staff": "yes"},
        follow=True,
    )
    assert "takes part in their paid job: they do not claim payments" in page.text
    assert Membership.objects.get(pk=membership.pk).paid_staff
    assert AuditEvent.objects.filter(action="membership.paid_staff_set").count() == 1

    made = _attend(facilitator, past_meeting, carer_member, clinician_member)
    assert [claim.claimant for claim in made] == [carer_member]  # the clinician: none
    assert Attendance.objects.filter(meeting=past_meeting, user=clinician_member).exists()
    with pytest.raises(RuleError, match="part of your paid job"):
        services.claim_make(
            actor=clinician_member,
            project=project,
            kind="travel",
            on=timezone.localdate(),
            description="Parking",
            amount="4.00",
        )
    # Marked back: their next attendance is paid like anyone's.
    project_services.membership_paid_staff_set(
        actor=facilitator, membership=membership, paid_staff=False
    )
    assert services.claims_for_attendance(actor=None, meeting=past_meeting)[0].claimant == (
        clinician_member
    )
    with pytest.raises(RightsError):  # a member cannot mark anyone
        project_services.membership_paid_staff_set(
            actor=carer_member, membership=membership, paid_staff=True
        )


def test_a_short_meeting_is_paid_for_its_exact_length_not_its_rounded_hours(
    project, policy, facilitator, carer_member
) -> None:  # type: ignore[no-untyped-def]
    # 20 minutes at £27.50 an hour is £9.1666…: £9.17, not 0.33 hours times £27.50 = £9.08.
    short = schedule(project, facilitator, days=-2, hours=1 / 3)
    (claim,) = _attend(facilitator, short, carer_member)
    assert claim.quantity == Decimal("0.33")
    assert claim.amount == Decimal("9.17")


def test_saving_attendance_keeps_the_record_of_someone_who_has_left_since(
    project, policy, facilitator, past_meeting, carer_member, lived_experience_member
) -> None:  # type: ignore[no-untyped-def]
    from projects import services as project_services
    from projects.models import Membership

    _attend(facilitator, past_meeting, carer_member, lived_experience_member)
    project_services.membership_end(
        actor=carer_member, membership=Membership.objects.get(project=project, user=carer_member)
    )
    # The list now shows only people in the project; saving it keeps the carer's row.
    _attend(facilitator, past_meeting, lived_experience_member)
    assert Attendance.objects.filter(meeting=past_meeting, user=carer_member).exists()
    assert Claim.objects.filter(claimant=carer_member).count() == 1


# --- Two submits at once ------------------------------------------------------------------


def _at_the_same_moment(first, second):  # type: ignore[no-untyped-def]
    """Run `first` as another request whose transaction commits only once `second` (run
    here) waits for it in the database: the race of two submits at once, every time.

    Each saw nothing of the other when it checked, so `second` meets the database's
    unique constraint. Returns what `second` returned or raised.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        here = cursor.fetchone()[0]
    written = threading.Event()
    failures: list[BaseException] = []

    def other_request() -> None:
        try:
            with transaction.atomic():
                first()
                written.set()
                with connection.cursor() as cursor:  # until `second` waits for this one
                    for _attempt in range(400):
                        cursor.execute(
                            "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = %s", [here]
                        )
                        if cursor.fetchone()[0]:
                            break
                        threading.Event().wait(0.025)
        except BaseException as error:
            failures.append(error)
            written.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_request)
    thread.start()
    written.wait(30)
    try:
        return second()
    except BaseException as error:
        return error
    finally:
        thread.join()
        assert not failures


@pytest.mark.django_db(transaction=True)
def test_the_same_activity_added_twice_at_once_is_refused_kindly(project, policy, facilitator):  # type: ignore[no-untyped-def]
    def add():  # type: ignore[no-untyped-def]
        return services.activity_add(
            actor=facilitator,
            project=project,
            kind="co_facilitating",
            name="Co-facilitating",
            unit="session",
            amount="40",
            effective_from=policy.starts_on,
        )

    events = AuditEvent.objects.filter(action="payments.activity_added")
    before = events.count()
    outcome = _at_the_same_moment(add, add)
    assert isinstance(outcome, RuleError), outcome
    assert outcome.field == "name"
    assert "already an activity with that name" in str(outcome)
    # Nothing half-written: one activity, one rate, one audit entry.
    assert Rate.objects.filter(activity__name="Co-facilitating").count() == 1
    assert events.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_the_same_rate_set_twice_at_once_is_refused_kindly(policy, facilitator) -> None:
    activity = policy.activities.get(kind="reviewing")

    def set_rate():  # type: ignore[no-untyped-def]
        return services.rate_set(
            actor=facilitator, activity=activity, amount="33", effective_from=dt.date(2030, 1, 1)
        )

    events = AuditEvent.objects.filter(action="payments.rate_set")
    before = events.count()
    outcome = _at_the_same_moment(set_rate, set_rate)
    assert isinstance(outcome, RuleError), outcome
    assert outcome.field == "effective_from"
    assert "already a rate from that day" in str(outcome)
    assert Rate.objects.filter(activity=activity, effective_from=dt.date(2030, 1, 1)).count() == 1
    assert events.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_the_policy_set_twice_at_once_keeps_the_later_one(project, facilitator) -> None:
    def policy_from(day: dt.date):  # type: ignore[no-untyped-def]
        return lambda: services.policy_set(actor=facilitator, project=project, starts_on=day)

    outcome = _at_the_same_moment(
        policy_from(dt.date(2027, 1, 1)), policy_from(dt.date(2027, 2, 1))
    )
    assert not isinstance(outcome, BaseException), outcome
    # As if one had been saved a moment after the other: one policy, the later dates.
    assert PaymentPolicy.objects.get(project=project).starts_on == dt.date(2027, 2, 1)
    assert AuditEvent.objects.filter(action="payments.policy_set").count() == 2
