"""Shared setup of the audit trail's tests."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable

import pytest
from django.db import transaction
from django.urls import reverse

# Connect the sign-in and two-factor handlers even before CoproduceConfig.ready() does.
import coproduce.audit.signals  # noqa: F401
from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record


@pytest.fixture(autouse=True)
def _private_exports_folder(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Export files in a folder of the test's own."""
    settings.VAR_DIR = tmp_path / "var"


def trail_url(name: str, project, **kwargs: object) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"trail:{name}", kwargs={"project_id": project.pk, **kwargs})


@pytest.fixture
def record_at(monkeypatch) -> Callable[..., AuditEvent]:  # type: ignore[no-untyped-def]
    """Write an audit event as if at a given moment (votes of past days, for instance)."""
    import coproduce.audit.record as record_module

    def write(moment: dt.datetime, **kwargs: object) -> AuditEvent:
        monkeypatch.setattr(record_module, "timezone", types.SimpleNamespace(now=lambda: moment))
        try:
            with transaction.atomic():
                return record(**kwargs)  # type: ignore[arg-type]
        finally:
            monkeypatch.undo()

    return write


def add_events(project, actor, count: int, action: str = "stage.updated") -> None:  # type: ignore[no-untyped-def]
    """Append `count` ordinary events about the project's first stage."""
    stage = project.stages.order_by("position").first()
    with transaction.atomic():
        for number in range(count):
            record(
                action=action,
                actor=actor,
                project_id=project.pk,
                target=stage,
                details={
                    "closes_at": ["None", f"2026-03-{number % 28 + 1:02d}"],
                    "texts_changed": [],
                },
            )
