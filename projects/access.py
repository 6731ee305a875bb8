"""What a page of a project needs, loaded once per request: the project, the person's
membership and rights in it, and (for a stage's pages) the stage.

`project_page` and `stage_page` are the decorators every project view starts with:
missing and forbidden give the same 404, and facilitators and observers switch on
two-factor authentication before they use the project's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from projects import permissions, selectors
from projects.models import Membership, Project, Stage
from projects.selectors import ProjectAccess

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class StageContext:
    """A stage as one person reaches it: its project, their membership and rights."""

    project: Project
    membership: Membership | None
    rights: frozenset[str]
    stage: Stage

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def access(self) -> ProjectAccess:
        return ProjectAccess(project=self.project, membership=self.membership)


def stage_context(request: HttpRequest, project_id: object, stage_id: object) -> StageContext:
    """Load project, membership, rights and stage for the signed-in person, or 404."""
    access = selectors.get_project_for_user(request.user, project_id)
    stage = Stage.objects.filter(project=access.project, pk=selectors.parse_uuid(stage_id)).first()
    if stage is None:
        raise Http404
    stage.project = access.project
    return StageContext(
        project=access.project,
        membership=access.membership,
        rights=permissions.project_rights(request.user, access.project),
        stage=stage,
    )


def _mfa_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('projects:mfa_required')}?{urlencode({'next': request.path})}")


def project_page(view: View) -> View:
    """Load the project for the signed-in person (404 if hidden) and insist on MFA for
    facilitators and observers before they use the project's pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, project_id: str, **kwargs: Any) -> HttpResponse:
        access = selectors.get_project_for_user(request.user, project_id)
        if permissions.needs_mfa(request.user, access.role):
            return _mfa_redirect(request)
        return view(request, access, **kwargs)

    return wrapper


def stage_page(view: View) -> View:
    """Like `project_page`, for a stage's pages: the view gets one StageContext."""

    @login_required
    @wraps(view)
    def wrapper(
        request: HttpRequest, project_id: str, stage_id: str, **kwargs: Any
    ) -> HttpResponse:
        context = stage_context(request, project_id, stage_id)
        if permissions.needs_mfa(request.user, context.role):
            return _mfa_redirect(request)
        return view(request, context, **kwargs)

    return wrapper
