"""Who may answer, hide, set and read the evidence of a project, and when."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from evidence.models import Pulse, ReflectionAnswer
from participants.models import User
from projects import permissions as project_permissions
from projects.models import Project, ProjectRight, Stage

Person = User | AnonymousUser


def reflection_is_open(stage: Stage, pulse: Pulse | None) -> bool:
    """Reflection on a stage runs from its opening until its pulse closes (a fortnight
    after the stage closes, or earlier by a facilitator), while the project is active.
    When it ends, its anonymous answers are sealed. `pulse` is the stage's, if any."""
    return (
        project_permissions.is_active(stage.project)
        and stage.state != Stage.State.DRAFT
        and (pulse is None or pulse.closed_at is None)
    )


def can_reflect(user: Person, stage: Stage, pulse: Pulse | None) -> bool:
    """Members answer a stage's questions while reflection on it is open."""
    return (
        reflection_is_open(stage, pulse)
        and project_permissions.has_right(user, stage.project, ProjectRight.COMMENT)
        and bool(stage.question_list)
    )


def can_hide_reflection(user: Person, answer: ReflectionAnswer) -> bool:
    return not answer.hidden and project_permissions.can_moderate(user, answer.stage.project)


def can_change_pulse(user: Person, stage: Stage) -> bool:
    """Facilitators set the pulse's statements until the stage opens; then they are fixed."""
    return (
        project_permissions.can_configure_project(user, stage.project)
        and stage.state == Stage.State.DRAFT
    )


def can_answer_pulse(user: Person, pulse: Pulse) -> bool:
    """Voting members answer while the pulse is open (answering is always voluntary)."""
    return (
        project_permissions.has_right(user, pulse.stage.project, ProjectRight.VOTE)
        and pulse.is_open
    )


def can_close_pulse(user: Person, pulse: Pulse) -> bool:
    return project_permissions.can_configure_project(user, pulse.stage.project) and pulse.is_open


def can_make_report(user: Person, project: Project) -> bool:
    """Facilitators and observers make reports; every member reads them."""
    return project_permissions.has_right(user, project, ProjectRight.READ_AUDIT)
