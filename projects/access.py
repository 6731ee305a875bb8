"""What a page of a project needs, loaded once per request: the project, the person's
membership and rights in it, and (for a stage's pages) the stage.

`project_page` and `stage_page` are the decorators every project view starts with:
missing and forbidden give the same 404, and facilitators and observers use the
project's pages only in a sign-in that used two factors (`two_factor_gate`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from coproduce import rows
from participants.two_factor import session_used_two_factors
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

    One statement (`_stage_sql`): the stage with its project, whatever `select_related`
    names (an app's one-to-one beside the stage), the person's current membership and
    their rights.
    """
    user = request.user
    params = {
        "stage": selectors.parse_uuid(stage_id),
        "project": selectors.parse_uuid(project_id),
        "user": user.pk,
    }
    with connection.cursor() as cursor:
        rows.execute(cursor, "stage_page", _stage_sql(select_related), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    parts = _stage_parts(select_related)
    loaded = []
    start = 0
    for cols in parts:
        loaded.append(rows.instance(cols, row, start))
        start += len(cols)
    stage, project, *extras, membership = loaded
    _STAGE_PROJECT.set_cached_value(stage, project)
    for name, extra in zip(select_related, extras, strict=True):
        relation = Stage._meta.get_field(name)
        relation.set_cached_value(stage, extra)
        if extra is not None and relation.auto_created:
            relation.field.set_cached_value(extra, stage)
    rights = permissions.remember_project_rights(user, project, row[start])
    if not permissions.can_view_project(user, project):
        raise Http404
    if membership is not None:
        selectors.MEMBERSHIP_PROJECT.set_cached_value(membership, project)
    return StageContext(project=project, membership=membership, rights=rights, stage=stage)


_STAGE_PROJECT = Stage._meta.get_field("project")


@functools.cache
def _stage_parts(select_related: tuple[str, ...]) -> tuple[rows.Columns, ...]:
    extras = tuple(
        rows.columns(Stage._meta.get_field(name).related_model, f"extra_{index}")
        for index, name in enumerate(select_related)
    )
    return (
        rows.columns(Stage, "stage"),
        rows.columns(Project, "project"),
        *extras,
        rows.columns(Membership, "membership"),
    )


@functools.cache
def _stage_sql(select_related: tuple[str, ...]) -> str:
    """The stage, its project, the `select_related` one-to-ones, the person's current
    membership (if any) and their rights, in one statement written once per process."""
    quote = connection.ops.quote_name
    joins = []
    for index, name in enumerate(select_related):
        relation = Stage._meta.get_field(name)
        table = quote(relation.related_model._meta.db_table)
        alias = f"extra_{index}"
        if relation.auto_created:  # the other model's one-to-one to the stage
            condition = f'{alias}.{quote(relation.field.column)} = "stage"."id"'
        else:  # the stage's own foreign key
            target = quote(relation.related_model._meta.pk.column)
            condition = f'{alias}.{target} = "stage".{quote(relation.column)}'
        joins.append(f'LEFT JOIN {table} AS "{alias}" ON {condition}')
    select = ", ".join(cols.sql for cols in _stage_parts(select_related))
    rights = permissions.rights_sql('"stage"."project_id"', '"membership"."role"')
    return (
        f"SELECT {select}, {rights}"  # noqa: S608 (names from the models only)
        f' FROM {quote(Stage._meta.db_table)} AS "stage"'
        f' JOIN {quote(Project._meta.db_table)} AS "project"'
        ' ON "project"."id" = "stage"."project_id"'
        f" {' '.join(joins)}"
        f""" {selectors.membership_join('"stage"."project_id"')}"""
        ' WHERE "stage"."id" = %(stage)s AND "stage"."project_id" = %(project)s'
    )


def two_factor_gate(
    request: HttpRequest, role: str | None, *, come_back_to: str = ""
) -> HttpResponse | None:
    """Send a facilitator, sponsor or observer on to prove the second factor, or return None.

    They see who is in a project and which group each person is in, so having an
    authenticator is not enough: this very sign-in (or a re-authentication since) must
    have used it (allauth's authentication records), not only a password or an emailed
    code. Someone with no authenticator yet is sent to set one up. `come_back_to` is
    where to return afterwards when this request cannot be repeated (a form's POST).
    """
    if not permissions.role_needs_two_factors(role):
        return None
    back = request.get_full_path() if request.method == "GET" else (come_back_to or "/")
    if permissions.needs_mfa(request.user, role):
        return redirect(f"{reverse('projects:mfa_required')}?{urlencode({'next': back})}")
    if session_used_two_factors(request):
        return None
    messages.info(
        request,
        _(
            "Facilitator, sponsor and observer pages show who is in a project, so they need the "
            "code from your authenticator app each time you sign in. Enter it once now "
            "and you will go straight on to the page you wanted."
        ),
    )
    return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: back})}")


def project_page(view: View) -> View:
    """Load the project for the signed-in person (404 if hidden) and insist on two factors
    in this sign-in for facilitators and observers before they use the project's pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, project_id: str, **kwargs: Any) -> HttpResponse:
        access = selectors.get_project_for_user(request.user, project_id)
        refused = two_factor_gate(
            request, access.role, come_back_to=access.project.get_absolute_url()
        )
        if refused is not None:
            return refused
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
            refused = two_factor_gate(
                request, context.role, come_back_to=context.stage.get_absolute_url()
            )
            if refused is not None:
                return refused
            return view(request, context, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
