"""Audit events for sign-ins of facilitators, observers and sponsors, and for two-factor
changes.

allauth reports these through its signals; each handler writes one site-wide event
(no project) in its own transaction. Connected by importing this module from
`CoproduceConfig.ready()`.
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.apps import apps
from django.db import transaction
from django.dispatch import receiver

from coproduce.audit.record import record

# Roles whose sign-ins are recorded: the people who run, oversee and sponsor projects.
RECORDED_ROLES = ("facilitator", "observer", "sponsor")


def _runs_or_observes_a_project(user: Any) -> bool:
    # The core does not import the apps above it (participants <- projects <- ...).
    # Looking the model up by name at call time keeps that rule: no import, no loop.
    membership = apps.get_model("projects", "Membership")
    return membership.objects.filter(
        user_id=user.pk, role__in=RECORDED_ROLES, left_at__isnull=True
    ).exists()


def _methods(request: Any, user: Any) -> list[str]:
    """How they signed in (password, code, mfa): the method names only, never the email."""
    if request is None or not hasattr(request, "session"):
        return []
    return sorted({entry.get("method", "") for entry in get_authentication_records(request, user)})


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def record_sign_in(sender: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not _runs_or_observes_a_project(user):
        return
    with transaction.atomic():
        record(
            action="account.signed_in",
            actor=user,
            details={"methods": _methods(kwargs.get("request"), user)},
        )


def _record_authenticator(action: str, user: Any, authenticator: Any) -> None:
    if user is None or not getattr(user, "pk", None):
        return
    with transaction.atomic():
        record(
            action=action,
            actor=user,
            details={"type": getattr(authenticator, "type", "")},
        )


@receiver(authenticator_added, dispatch_uid="audit_authenticator_added")
def record_authenticator_added(sender: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record_authenticator("mfa.authenticator_added", user, authenticator)


@receiver(authenticator_removed, dispatch_uid="audit_authenticator_removed")
def record_authenticator_removed(sender: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record_authenticator("mfa.authenticator_removed", user, authenticator)


@receiver(authenticator_reset, dispatch_uid="audit_authenticator_reset")
def record_authenticator_reset(sender: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record_authenticator("mfa.authenticator_reset", user, authenticator)
