"""Every service that changes state writes its audit event, and only registered ones.

The service modules are found, not listed: every module or package named `services`
in every app of this repository (walking the apps' packages), so a new one is covered
the day it is written. Each public function of them is either a write, listed in
WRITES with a way to run it and the events it must write; a read, listed in READS; or
bookkeeping that is deliberately not audited, listed in UNAUDITED with the reason. A
new service in none of them fails `test_every_service_is_listed`, and a write that
stops recording fails `test_each_write_records_its_event`. Every event name a service
module spells out must be in the registry (coproduce/audit/events.py):
`test_every_event_name_in_a_service_is_registered`. A service package
(decisions.services) is walked module by module: its services are named as the
package exports them, and `test_a_service_package_exports_each_of_its_services` fails
for one it does not export.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps
from django.utils import timezone

import decisions.services
import participants.notifications.services
import participants.services
from coproduce.audit.events import EVENT_TYPES
from coproduce.audit.models import AuditEvent
from participants.models import User
from projects import services
from projects.models import Membership, Project, Stage
from tests.factories import UserFactory
from tests.trail import meetings_payments_writes
from tests.trail.completeness_cast import (
    Cast,
    Run,
    _first_stage,
    _open_stage,
    _proposal,
    _voting_stage,
)
from tests.trail.delivery_writes import DELIVERY_WRITES
from tests.trail.evidence_writes import EVIDENCE_WRITES
from trail import services as trail_services
from trail.selectors import TrailFilters

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _own_apps() -> list[str]:
    """The installed apps whose code is in this repository (not in the virtualenv)."""
    names = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(ROOT) and not {".venv", "site-packages"} & set(path.parts):
            names.append(config.name)
    return names


def _find_service_modules() -> tuple[ModuleType, ...]:
    """Every module or package named `services` in this repository's apps."""
    found: dict[str, ModuleType] = {}
    for app in _own_apps():
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name:
                continue
            if info.name.rsplit(".", 1)[-1] == "services" and not any(
                info.name.startswith(name + ".") for name in found
            ):
                found[info.name] = importlib.import_module(info.name)
    return tuple(found[name] for name in sorted(found))


SERVICE_MODULES: tuple[ModuleType, ...] = _find_service_modules()


def test_the_service_modules_are_found_by_walking_the_apps() -> None:
    """Guard against a walk that finds nothing (and so checks nothing)."""
    names = {module.__name__ for module in SERVICE_MODULES}
    assert {
        "participants.services",
        "participants.notifications.services",
        "projects.services",
        "decisions.services",
        "delivery.services",
        "evidence.services",
        "trail.services",
    } <= names


def _project_create(cast: Cast) -> Run:
    return lambda: services.project_create(
        actor=cast.facilitator, title="Another", purpose="Why", ground_rules="Rules"
    )


def _project_update(cast: Cast) -> Run:
    return lambda: services.project_update(
        actor=cast.facilitator, project=cast.project, title="New"
    )


def _stage_create(cast: Cast) -> Run:
    return lambda: services.stage_create(
        actor=cast.facilitator,
        project=cast.project,
        kind="other",
        title="Extra",
        description="More",
    )


def _stage_update(cast: Cast) -> Run:
    return lambda: services.stage_update(
        actor=cast.facilitator, stage=_first_stage(cast), title="Renamed"
    )


def _stage_delete(cast: Cast) -> Run:
    return lambda: services.stage_delete(actor=cast.facilitator, stage=_first_stage(cast))


def _stage_move(cast: Cast) -> Run:
    return lambda: services.stage_move(
        actor=cast.facilitator, stage=_first_stage(cast), direction=1
    )


def _stage_transition(cast: Cast) -> Run:
    return lambda: services.stage_transition(
        actor=cast.facilitator, stage=_first_stage(cast), to_state="open"
    )


def _membership_end(cast: Cast) -> Run:
    membership = Membership.objects.select_related("project").get(
        project=cast.project, user=cast.member, left_at__isnull=True
    )
    return lambda: services.membership_end(actor=cast.member, membership=membership)


def _invitation_create(cast: Cast) -> Run:
    return lambda: services.invitation_create(
        actor=cast.facilitator, project=cast.project, email="new@example.org", role="observer"
    )


def _invitation_revoke(cast: Cast) -> Run:
    invitation, _token = services.invitation_create(
        actor=cast.facilitator, project=cast.project, email="new@example.org", role="observer"
    )
    return lambda: services.invitation_revoke(actor=cast.facilitator, invitation=invitation)


def _invitation_accept(cast: Cast) -> Run:
    newcomer = UserFactory(email="newcomer@example.org")
    _invitation, token = services.invitation_create(
        actor=cast.facilitator, project=cast.project, email=newcomer.email, role="member"
    )
    return lambda: services.invitation_accept(
        actor=newcomer, token=token, constituency="carer", accepts_ground_rules=True
    )


def _user_update_profile(cast: Cast) -> Run:
    return lambda: participants.services.user_update_profile(
        actor=cast.member, user=cast.member, display_name="Brave Robin", larger_text=True
    )


def _user_sign_up_complete(cast: Cast) -> Run:
    return lambda: participants.services.user_sign_up_complete(
        user=cast.member, display_name="Brave Robin"
    )


def _notifications_delete_old_read(cast: Cast) -> Run:
    from participants.models import Notification

    long_ago = timezone.now() - dt.timedelta(days=400)
    Notification.objects.create(
        recipient=cast.member, kind="reply", key="old", delivery="off", subject="Old",
        body="", read_at=long_ago,
    )  # fmt: skip
    return lambda: participants.services.notifications_delete_old_read(
        now=timezone.now(), after_days=365
    )


def _participations_delete_after_close(cast: Cast) -> Run:
    from decisions.models import Participation

    Participation.objects.create(stage=cast.project.stages.first(), user=cast.member)
    services.project_update(actor=cast.facilitator, project=cast.project, status="finished")
    return lambda: decisions.services.participations_delete_after_close(
        now=timezone.now() + dt.timedelta(days=2), after_days=1
    )


# Each entry prepares its objects when called (the default arguments are evaluated then, on
# purpose, before the events are counted) and returns the call to check.
DECISION_WRITES: dict[str, tuple[Callable[[Cast], Run], set[str]]] = {
    "proposal_create": (lambda c: lambda s=_open_stage(c): _proposal(c, s), {"proposal.created"}),
    "proposal_create_with_help": (
        lambda c: (
            lambda s=_open_stage(c): decisions.services.proposal_create_with_help(
                actor=c.facilitator,
                member=c.member,
                stage=s,
                title="t",
                body="b",
                how="phone",
                member_asked=True,
            )
        ),
        {"proposal.created_with_help"},
    ),
    "proposal_update": (
        lambda c: (
            lambda p=_proposal(c): decisions.services.proposal_update(
                actor=c.member, proposal=p, title="Better", body="b"
            )
        ),
        {"proposal.edited"},
    ),
    "proposal_withdraw": (
        lambda c: (
            lambda p=_proposal(c): decisions.services.proposal_withdraw(actor=c.member, proposal=p)
        ),
        {"proposal.withdrawn"},
    ),
    "proposal_hide": (
        lambda c: (
            lambda p=_proposal(c): decisions.services.proposal_hide(
                actor=c.facilitator, proposal=p, reason="Off topic"
            )
        ),
        {"proposal.hidden"},
    ),
    "proposal_merge": (
        lambda c: (
            lambda s=_open_stage(c): decisions.services.proposal_merge(
                actor=c.facilitator,
                stage=s,
                proposals=[_proposal(c, s), _proposal(c, s)],
                title="Both",
                body="b",
                note="",
            )
        ),
        {"proposal.merged"},
    ),
    "proposals_carry_forward": (
        lambda c: (
            lambda first=_first_stage(c): (
                services.stage_transition(actor=c.facilitator, stage=first, to_state="open"),
                (
                    p := decisions.services.proposal_create(
                        actor=c.member,
                        stage=Stage.objects.select_related("project").get(pk=first.pk),
                        title="t",
                        body="b",
                    )
                ),
                services.stage_transition(
                    actor=c.facilitator,
                    stage=Stage.objects.select_related("project").get(pk=first.pk),
                    to_state="closed",
                ),
                decisions.services.proposals_carry_forward(
                    actor=c.facilitator,
                    from_stage=Stage.objects.select_related("project").get(pk=first.pk),
                    to_stage=c.project.stages.get(position=2),
                    proposals=[p],
                ),
            )
        ),
        {"proposals.carried_forward"},
    ),
    "comment_create": (
        lambda c: (
            lambda p=_proposal(c): decisions.services.comment_create(
                actor=c.member, proposal=p, body="c"
            )
        ),
        {"comment.created"},
    ),
    "comment_create_with_help": (
        lambda c: (
            lambda p=_proposal(c): decisions.services.comment_create_with_help(
                actor=c.facilitator,
                member=c.member,
                proposal=p,
                body="c",
                how="paper",
                member_asked=True,
            )
        ),
        {"comment.created_with_help"},
    ),
    "comment_update": (
        lambda c: (
            lambda k=decisions.services.comment_create(actor=c.member, proposal=_proposal(c), body="c"): (
                decisions.services.comment_update(actor=c.member, comment=k, body="d")
            )
        ),
        {"comment.edited"},
    ),
    "comment_delete": (
        lambda c: (
            lambda k=decisions.services.comment_create(actor=c.member, proposal=_proposal(c), body="c"): (
                decisions.services.comment_delete(actor=c.member, comment=k)
            )
        ),
        {"comment.deleted"},
    ),
    "comment_hide": (
        lambda c: (
            lambda k=decisions.services.comment_create(actor=c.member, proposal=_proposal(c), body="c"): (
                decisions.services.comment_hide(actor=c.facilitator, comment=k, reason="Unkind")
            )
        ),
        {"comment.hidden"},
    ),
    "ballot_cast": (
        lambda c: (
            lambda s=_voting_stage(c): decisions.services.ballot_cast(
                actor=c.member, stage=s, raw={str(decisions.services.stage_options(s)[0].pk): 1}
            )
        ),
        {"ballot.cast"},
    ),
    "ballot_cast_with_help": (
        lambda c: (
            lambda s=_voting_stage(c): decisions.services.ballot_cast_with_help(
                actor=c.facilitator,
                member=c.member,
                stage=s,
                raw={str(decisions.services.stage_options(s)[0].pk): 1},
                how="phone",
                member_asked=True,
            )
        ),
        {"ballot.cast", "help.vote_recorded"},
    ),
    "voting_rules_update": (
        lambda c: (
            lambda s=_first_stage(c): decisions.services.voting_rules_update(
                actor=c.facilitator, stage=s, voting_method="dots"
            )
        ),
        {"stage.updated"},
    ),
    "voting_close": (
        lambda c: (
            lambda s=_voting_stage(c): decisions.services.voting_close(actor=c.facilitator, stage=s)
        ),
        {"stage.closed", "ballots.sealed", "decision.recorded"},
    ),
    "decision_note_write": (
        lambda c: (
            lambda r=decisions.services.voting_close(actor=c.facilitator, stage=_voting_stage(c)): (
                decisions.services.decision_note_write(
                    actor=c.facilitator, record_=r, rationale="Why", dissent="", next_steps=""
                )
            )
        ),
        {"decision.note_written"},
    ),
    "participations_delete_after_close": (
        _participations_delete_after_close,
        {"retention.participation_deleted"},
    ),
    "stages_advance": (
        lambda c: (
            lambda s=_first_stage(c): (
                services.stage_update(actor=c.facilitator, stage=s, opens_at=timezone.now()),
                decisions.services.stages_advance(),
            )
        ),
        {"stage.opened"},
    ),
}


# service: (set it up and return the call, the events the call must write)
WRITES: dict[str, tuple[Callable[[Cast], Run], set[str]]] = {
    "projects.services.project_create": (
        _project_create,
        {"project.created", "membership.started"},
    ),
    "projects.services.project_update": (_project_update, {"project.updated"}),
    "projects.services.stage_create": (_stage_create, {"stage.created"}),
    "projects.services.stage_update": (_stage_update, {"stage.updated"}),
    "projects.services.stage_delete": (_stage_delete, {"stage.deleted"}),
    "projects.services.stage_move": (_stage_move, {"stage.moved"}),
    "projects.services.stage_transition": (_stage_transition, {"stage.opened"}),
    "projects.services.stage_vote_close": (
        lambda c: (
            lambda s=_voting_stage(c): services.stage_vote_close(actor=c.facilitator, stage=s)
        ),
        {"stage.closed"},
    ),
    "projects.services.membership_end": (_membership_end, {"membership.left"}),
    "projects.services.membership_paid_staff_set": (
        lambda c: (
            lambda m=Membership.objects.get(project=c.project, user=c.member): (
                services.membership_paid_staff_set(
                    actor=c.facilitator, membership=m, paid_staff=True
                )
            )
        ),
        {"membership.paid_staff_set"},
    ),
    "projects.services.invitation_create": (_invitation_create, {"invitation.sent"}),
    "projects.services.invitation_revoke": (_invitation_revoke, {"invitation.revoked"}),
    "projects.services.invitation_accept": (
        _invitation_accept,
        {"invitation.accepted", "membership.started"},
    ),
    "participants.services.user_update_profile": (_user_update_profile, {"profile.updated"}),
    "participants.services.user_sign_up_complete": (
        _user_sign_up_complete,
        {"account.signed_up"},
    ),
    "participants.services.user_erase": (
        lambda c: lambda: participants.services.user_erase(actor=c.member, user=c.member),
        {"account.erased"},
    ),
    "participants.services.notifications_delete_old_read": (
        _notifications_delete_old_read,
        {"retention.notifications_deleted"},
    ),
    **{f"decisions.services.{name}": entry for name, entry in DECISION_WRITES.items()},
    **{f"delivery.services.{name}": entry for name, entry in DELIVERY_WRITES.items()},
    **{f"evidence.services.{name}": entry for name, entry in EVIDENCE_WRITES.items()},
    "participants.notifications.services.preferences_update": (
        lambda c: (
            lambda: participants.notifications.services.preferences_update(
                actor=c.member, user=c.member, choices={"reply": "off"}
            )
        ),
        {"notification_preferences.updated"},
    ),
    "participants.notifications.services.unsubscribe": (
        lambda c: (
            lambda: participants.notifications.services.unsubscribe(user=c.member, kind="reply")
        ),
        {"notifications.unsubscribed"},
    ),
    "trail.services.trail_export": (
        lambda c: (
            lambda: trail_services.trail_export(
                actor=c.facilitator, project=c.project, filters=TrailFilters(), export_format="csv"
            )
        ),
        {"trail.exported"},
    ),
    "trail.services.trail_verify": (
        lambda c: lambda: trail_services.trail_verify(actor=c.facilitator, project=c.project),
        {"trail.verified"},
    ),
    "trail.services.verification_run": (
        lambda c: (
            lambda check=_queued_check(c): trail_services.verification_run(verification_id=check.pk)
        ),
        {"trail.verified"},
    ),
    "trail.services.chains_verify_all": (
        lambda c: trail_services.chains_verify_all,
        {"trail.verified"},
    ),
    **meetings_payments_writes.WRITES,
}


def _queued_check(cast: Cast):  # type: ignore[no-untyped-def]
    from coproduce.audit.models import AuditVerification

    return AuditVerification.objects.create(project_id=cast.project.pk, requested_by=None)


# Writes that are deliberately not audited: bookkeeping of something already recorded,
# or of a person's own inbox. Each with its reason.
UNAUDITED = {
    "participants.notifications.services.notify": "called inside the service whose event "
    "says what happened; the notification rows are its delivery",
    "participants.notifications.services.notification_mark_read": "a person's own inbox",
    "participants.notifications.services.notifications_mark_all_read": "a person's own inbox",
    "participants.notifications.services.notifications_withdraw": "delivery bookkeeping of "
    "a change already recorded",
    "participants.notifications.services.notifications_email": "delivery bookkeeping "
    "(when an email went)",
    "participants.notifications.services.notifications_email_unsent": "delivery bookkeeping",
    "participants.notifications.services.digest_send": "delivery bookkeeping",
    "participants.notifications.services.digests_send": "delivery bookkeeping",
    "trail.services.export_run": "the progress of an export already recorded as trail.exported",
    "trail.services.exports_delete_expired": "removes expired export files (not the trail)",
    "trail.services.anchor_send": "tells observers about a check already recorded as "
    "trail.verified",
    **meetings_payments_writes.UNAUDITED,
}
# Functions of the service modules that change nothing.
READS = {
    "projects.services.invitation_for_token",
    "projects.services.invitation_problem",
    "decisions.services.voter_key",
    "decisions.services.stage_options",
    "decisions.services.validate_ballot",
    "decisions.services.own_ballot",
    "decisions.services.electorate_at_opening",
    "participants.notifications.services.local_when",
    "participants.notifications.services.preferences_for",
    "participants.notifications.services.unsubscribe_label",
    "participants.notifications.services.unsubscribe_token",
    "participants.notifications.services.unsubscribe_token_read",
    "participants.notifications.services.unsubscribe_url",
    "trail.services.decision_anchors",
    "trail.services.export_file",
    "trail.services.exports_folder",
    "trail.services.stream_limit",
    "trail.services.verify_in_request_limit",
    *meetings_payments_writes.READS,
}


def _defined_functions(module: ModuleType) -> Iterator[tuple[str, Callable[..., object]]]:
    """The public functions a service module defines, and for a package those of each of
    its modules (private ones such as `_common` included), however deep."""
    parts = [module]
    if hasattr(module, "__path__"):
        parts += [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}.")
        ]
    for part in parts:
        for name, function in inspect.getmembers(part, inspect.isfunction):
            if function.__module__ == part.__name__ and not name.startswith("_"):
                yield name, function


def _public_functions(module: ModuleType) -> set[str]:
    # Named as callers import them: a package's services by the package's name.
    return {f"{module.__name__}.{name}" for name, _function in _defined_functions(module)}


def test_every_service_is_listed() -> None:
    found = set().union(*(_public_functions(module) for module in SERVICE_MODULES))
    unlisted = found - set(WRITES) - READS - set(UNAUDITED)
    assert not unlisted, (
        f"New services {sorted(unlisted)}: list each in WRITES (with the audit event it "
        "writes) or, if it changes nothing, in READS."
    )
    listed = set(WRITES) | READS | set(UNAUDITED)
    assert not listed - found, "Listed services that no longer exist"
    assert len(listed) == len(WRITES) + len(READS) + len(UNAUDITED), "Listed twice"


# An event name as services spell it: "stage.opened", "proposals.carried_forward".
_EVENT_NAME = re.compile(r"[a-z_]+\.[a-z_]+")
_EVENT_PREFIXES = {name.split(".")[0] for name in EVENT_TYPES}


def _module_files(module: ModuleType) -> list[Path]:
    if hasattr(module, "__path__"):
        return sorted(Path(module.__path__[0]).rglob("*.py"))
    return [Path(str(module.__file__))]


def test_every_event_name_in_a_service_is_registered() -> None:
    """Names written in code (in `record(action=...)` or in a table of transitions) are in
    the registry, even on paths no test runs."""
    unknown = []
    for module in SERVICE_MODULES:
        for file in _module_files(module):
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and _EVENT_NAME.fullmatch(node.value)
                    and node.value.split(".")[0] in _EVENT_PREFIXES
                    and node.value not in EVENT_TYPES
                ):
                    unknown.append(f"{file.relative_to(ROOT)}:{node.lineno} {node.value}")
    assert not unknown, f"Event names not in coproduce/audit/events.py: {unknown}"


def test_the_check_of_event_names_would_see_a_typo() -> None:
    source = 'record(action="stage.openned", actor=None)'
    constants = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert "stage.openned" in constants
    assert _EVENT_NAME.fullmatch("stage.openned")
    assert "stage.openned" not in EVENT_TYPES


def test_a_service_package_exports_each_of_its_services() -> None:
    unexported = [
        f"{function.__module__}.{name}"
        for module in SERVICE_MODULES
        for name, function in _defined_functions(module)
        if function.__module__ != module.__name__
        and (getattr(module, name, None) is not function or name not in module.__all__)
    ]
    assert not unexported, (
        f"Services {unexported} are not exported by their package: import each in the "
        "package's __init__.py and add it to __all__."
    )


@pytest.mark.parametrize("service", sorted(WRITES))
def test_each_write_records_its_event(
    service: str, project: Project, facilitator: User, carer_member: User
) -> None:
    prepare, expected = WRITES[service]
    run = prepare(Cast(project=project, facilitator=facilitator, member=carer_member))
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    run()
    written = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))
    assert expected <= set(EVENT_TYPES), f"{service}: expects unregistered event types"
    assert expected <= {event.action for event in written}, (service, written)
    assert {event.action for event in written} <= set(EVENT_TYPES)
    for event in written:
        assert event.request_id == ""  # outside a request: none to group by
        assert event.hash
        assert event.previous_hash


def test_a_profile_change_records_which_fields_changed_never_their_values(
    carer_member: User,
) -> None:
    participants.services.user_update_profile(
        actor=carer_member, user=carer_member, full_name="Sam Jones", time_zone="Europe/Paris"
    )
    event = AuditEvent.objects.get(action="profile.updated")
    assert event.project_id is None  # the site-wide chain: a person is in no one project
    assert event.details == {"changed": ["full_name", "time_zone"]}
    assert "Sam Jones" not in str(event.details)
    assert event.actor_id == carer_member.pk
    # Saving the same values again changes nothing, and records nothing.
    participants.services.user_update_profile(
        actor=carer_member, user=carer_member, full_name="Sam Jones"
    )
    assert AuditEvent.objects.filter(action="profile.updated").count() == 1
