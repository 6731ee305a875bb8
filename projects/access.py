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


def stage_context(
    request: HttpRequest,
    project_id: object,
    stage_id: object,
    *,
    select_related: tuple[str, ...] = (),
) -> StageContext:
    """Load project, membership, rights and stage for the signed-in person, or 404.

    Two queries: the stage with its project and the person's rights (and whatever
    `select_related` names: an app's one-to-one beside the stage), then the membership.
    """
    user = request.user
    stage = (
        Stage.objects.select_related("project", *select_related)
        .filter(project_id=selectors.parse_uuid(project_id), pk=selectors.parse_uuid(stage_id))
        .annotate(person_rights=permissions.project_rights_expression(user, "project_id"))
        .first()
    )
    if stage is None:
        raise Http404
    project = stage.project
    rights = permissions.remember_project_rights(user, project, stage.person_rights)
    if not permissions.can_view_project(user, project):
        raise Http404
    membership = Membership.objects.filter(project=project, user=user, left_at__isnull=True).first()
    if membership is not None:
        membership.project = project
    return StageContext(project=project, membership=membership, rights=rights, stage=stage)


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


def stage_page(view: View | None = None, *, select_related: tuple[str, ...] = ()) -> Any:
    """Like `project_page`, for a stage's pages: the view gets one StageContext.

    Use it bare (`@stage_page`) or name what to load with the stage in the same query
    (`@stage_page(select_related=("voting_rules",))`).
    """

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, project_id: str, stage_id: str, **kwargs: Any
        ) -> HttpResponse:
            context = stage_context(request, project_id, stage_id, select_related=select_related)
            if permissions.needs_mfa(request.user, context.role):
                return _mfa_redirect(request)
            return view(request, context, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
