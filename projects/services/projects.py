"""Creating a project (with its role groups, standard stages and first facilitator) and
changing its texts or status."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from guardian.shortcuts import assign_perm

from coproduce.audit.record import record
from participants.models import User
from projects import permissions
from projects.models import ROLE_RIGHTS, Project, ProjectRoleGroup, Role, Stage
from projects.services._common import _changes, _deny_unless
from projects.services.memberships import _membership_start
from projects.stage_templates import STANDARD_STAGES


def project_create(
    *, actor: User, title: str, purpose: str, easy_read_summary: str = "", ground_rules: str
) -> Project:
    """Create a project with its role groups, the standard stages and its creator as facilitator."""
    _deny_unless(permissions.can_create_project(actor))
    with transaction.atomic():
        project = Project.objects.create(
            title=title,
            purpose=purpose,
            easy_read_summary=easy_read_summary,
            ground_rules=ground_rules,
            created_by=actor,
        )
        for role, rights in ROLE_RIGHTS.items():
            group = Group.objects.create(name=f"project {project.pk} {role}")
            ProjectRoleGroup.objects.create(project=project, role=role, group=group)
            for right in rights:
                assign_perm(f"projects.{right}", group, project)
        for position, template in enumerate(STANDARD_STAGES, start=1):
            Stage.objects.create(
                project=project,
                position=position,
                kind=template.kind,
                title=str(template.title),
                description=str(template.description),
                reflective_questions="\n".join(str(question) for question in template.questions),
                has_vote=template.has_vote,
            )
        record(
            action="project.created",
            actor=actor,
            project_id=project.pk,
            target=project,
            details={"stages": len(STANDARD_STAGES)},
        )
        _membership_start(actor=actor, project=project, user=actor, role=Role.FACILITATOR)
    permissions.forget_project_rights(actor)
    return project


def project_update(*, actor: User, project: Project, **values: Any) -> Project:
    """Change a project's texts or status; the trail keeps what changed."""
    _deny_unless(permissions.can_configure_project(actor, project))
    allowed = {"title", "purpose", "easy_read_summary", "ground_rules", "status"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} here.")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        changed = _changes(project, values)
        if not changed:
            return project
        for name, (_before, after) in changed.items():
            setattr(project, name, after)
        project.save(update_fields=list(changed))
        record(
            action="project.updated",
            actor=actor,
            project_id=project.pk,
            target=project,
            details={"changed": sorted(changed), "status": changed.get("status")},
        )
    return project
