"""Who may answer, hide, set and read the evidence of a project, and when."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from evidence.models import Pulse, ReflectionAnswer
from participants.models import User
from projects import permissions as project_permissions
from projects.models import Project, ProjectRight, Stage

Person = User | AnonymousUser


def can_read_evidence(user: Person, project: Project) -> bool:
    """Members, facilitators and observers alike: the people who did the work see it too."""
    return project_permissions.can_view_project(user, project)


def can_reflect(user: Person, stage: Stage) -> bool:
    """Members answer a stage's questions once it has opened, and after it closes."""
    return (
        project_permissions.is_active(stage.project)
        and project_permissions.has_right(user, stage.project, ProjectRight.COMMENT)
        and stage.state != Stage.State.DRAFT
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
