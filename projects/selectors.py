"""Reads about projects, filtered by what the person may see, and the access helpers.

The access helpers are the only way a view loads a project or a stage: missing
and forbidden give the same 404, so nobody can probe which projects exist.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from coproduce import rows
from coproduce.text import MAX_BIGINT, parse_bounded_int
from participants.models import Constituency, User
from projects import permissions
from projects.models import Invitation, Membership, Project, Stage


@dataclass(frozen=True)
class ProjectAccess:
    """A project as one person may see it: their membership (if any) and whether MFA is due."""

    project: Project
    membership: Membership | None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None


def parse_uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def get_project_for_user(user: User, project_id: object) -> ProjectAccess:
    """Return the project if the person may see it; otherwise 404, whether or not it exists.

    One statement: the project, the person's current membership and their rights.
    """
    with connection.cursor() as cursor:
        rows.execute(
            cursor,
            "project_page",
            _project_sql(),
            {"project": parse_uuid(project_id), "user": user.pk},
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404
    project_cols, membership_cols = _project_parts()
    project = rows.instance(project_cols, row)
    membership = rows.instance(membership_cols, row, len(project_cols))
    permissions.remember_project_rights(user, project, row[-1])
    if not permissions.can_view_project(user, project):
        raise Http404
    if membership is not None:
        MEMBERSHIP_PROJECT.set_cached_value(membership, project)
    return ProjectAccess(project=project, membership=membership)


PROJECT_ID = '"project"."id"'
MEMBERSHIP_PROJECT = Membership._meta.get_field("project")


def remember_rights_of_projects(user: User, projects: list[Project]) -> None:
    """Read the person's rights on many projects in one statement (the same `rights_sql`
    as a page's project) and keep them for this request: the `can_*` predicates asked
    of each project after it read nothing more."""
    if not projects or not user.is_authenticated:
        return
    rights = permissions.rights_sql(PROJECT_ID, '"membership"."role"')
    table = connection.ops.quote_name(Project._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {PROJECT_ID}, {rights} FROM {table} AS "project"'  # noqa: S608 (names only)
            f" {membership_join(PROJECT_ID)} WHERE {PROJECT_ID} = ANY(%(projects)s)",
            {"user": user.pk, "projects": [project.pk for project in projects]},
        )
        found = dict(cursor.fetchall())
    for project in projects:
        permissions.remember_project_rights(user, project, found.get(project.pk))


def membership_join(project_column: str) -> str:
    """The person's (`%(user)s`) current membership of the project in `project_column`,
    as `"membership"`, for the one-statement reads of a page's project or stage."""
    table = connection.ops.quote_name(Membership._meta.db_table)
    return (
        f'LEFT JOIN {table} AS "membership" ON "membership"."project_id" = {project_column}'
        ' AND "membership"."user_id" = %(user)s AND "membership"."left_at" IS NULL'
    )


@functools.cache
def _project_parts() -> tuple[rows.Columns, rows.Columns]:
    return rows.columns(Project, "project"), rows.columns(Membership, "membership")


@functools.cache
def _project_sql() -> str:
    select = ", ".join(cols.sql for cols in _project_parts())
    rights = permissions.rights_sql('"project"."id"', '"membership"."role"')
    table = connection.ops.quote_name(Project._meta.db_table)
    return (
        f'SELECT {select}, {rights} FROM {table} AS "project"'  # noqa: S608
        f" {membership_join(PROJECT_ID)}"
        ' WHERE "project"."id" = %(project)s'
    )


def get_membership_for_user(
    user: User, project_id: object, membership_id: object
) -> tuple[ProjectAccess, Membership]:
    access = get_project_for_user(user, project_id)
    membership_pk = parse_bounded_int(str(membership_id), minimum=1, maximum=MAX_BIGINT)
    if membership_pk is None:
        raise Http404
    membership = (
        Membership.objects.select_related("user")
        .filter(project=access.project, pk=membership_pk, left_at__isnull=True)
        .first()
    )
    if membership is None:
        raise Http404
    membership.project = access.project
    return access, membership


def get_invitation_for_user(
    user: User, project_id: object, invitation_id: object
) -> tuple[ProjectAccess, Invitation]:
    access = get_project_for_user(user, project_id)
    invitation = Invitation.objects.filter(
        project=access.project, pk=parse_uuid(invitation_id)
    ).first()
    if invitation is None:
        raise Http404
    invitation.project = access.project
    return access, invitation


def owns_email(user: User, email: str) -> bool:
    """Whether this address is the person's sign-in address or one they verified."""
    if user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def get_invitation_for_invitee(user: User, invitation_id: object) -> Invitation:
    """An invitation, for the person it was sent to only: 404 for anyone else."""
    invitation = (
        Invitation.objects.select_related("project", "invited_by")
        .filter(pk=parse_uuid(invitation_id))
        .first()
    )
    if invitation is None or not owns_email(user, invitation.email):
        raise Http404
    return invitation


def invitations_waiting_for(user: User) -> list[Invitation]:
    """Pending invitations to the addresses this person owns, newest first."""
    addresses = {user.email.lower()} | {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }
    addressed_to_them = Q()
    for email in addresses:
        addressed_to_them |= Q(email__iexact=email)
    already_in = Membership.objects.filter(user=user, left_at__isnull=True).values("project_id")
    return list(
        Invitation.objects.filter(
            addressed_to_them,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            project__status=Project.Status.ACTIVE,
        )
        .exclude(project_id__in=already_in)
        .select_related("project", "invited_by")
        .order_by("-created_at")
    )


def _current_stage(stages: list[Stage]) -> Stage | None:
    """The stage happening now: the first open or voting one, else the next to start."""
    for stage in stages:
        if stage.state in (Stage.State.OPEN, Stage.State.VOTING):
            return stage
    for stage in stages:
        if stage.state == Stage.State.DRAFT:
            return stage
    return None


@dataclass(frozen=True)
class DashboardEntry:
    project: Project
    role: str
    current_stage: Stage | None
    waiting_for_you: list[str]


def dashboard_for_user(user: User) -> list[DashboardEntry]:
    """The person's current projects with what is open now: a fixed number of queries."""
    memberships = list(
        Membership.objects.filter(user=user, left_at__isnull=True)
        .select_related("project")
        .prefetch_related(Prefetch("project__stages", queryset=Stage.objects.order_by("position")))
        .order_by("-project__created_at")
    )
    entries = []
    for membership in memberships:
        stages = list(membership.project.stages.all())
        current = _current_stage(stages)
        waiting = []
        if membership.role == "member" and current is not None:
            if current.state == Stage.State.VOTING and current.has_vote:
                waiting.append("vote")
            elif current.state == Stage.State.OPEN and current.proposals_allowed:
                waiting.append("propose")
        entries.append(
            DashboardEntry(
                project=membership.project,
                role=membership.role,
                current_stage=current,
                waiting_for_you=waiting,
            )
        )
    return entries


def project_stages(project: Project) -> list[Stage]:
    stages = list(project.stages.order_by("position"))
    for stage in stages:
        stage.project = project
    return stages


def current_stage(stages: list[Stage]) -> Stage | None:
    return _current_stage(stages)


def member_counts_by_constituency(project: Project) -> list[tuple[str, int]]:
    """How many members each constituency has: counts only, never names."""
    counts = dict(
        Membership.objects.filter(project=project, role="member", left_at__isnull=True)
        .values_list("constituency")
        .annotate(total=Count("pk"))
        .values_list("constituency", "total")
    )
    return [(label, counts.get(value, 0)) for value, label in Constituency.choices]


def role_counts(project: Project) -> dict[str, int]:
    rows = (
        Membership.objects.filter(project=project, left_at__isnull=True)
        .values("role")
        .annotate(total=Count("pk"))
    )
    return {row["role"]: row["total"] for row in rows}


def visible_fellow_members(project: Project) -> QuerySet[Membership]:
    """Members as other members see them: names, and a group only where they chose to show it."""
    return (
        Membership.objects.filter(project=project, role="member", left_at__isnull=True)
        .select_related("user")
        .order_by("user__display_name")
    )


def member_list(project: Project) -> QuerySet[Membership]:
    """Everyone in the project with role and group: for facilitators and observers only."""
    return (
        Membership.objects.filter(project=project, left_at__isnull=True)
        .select_related("user")
        .order_by("role", "user__display_name")
    )


def open_invitations(project: Project) -> list[Invitation]:
    return list(
        Invitation.objects.filter(project=project, accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")[:200]
    )


def pending_invitation_count(project: Project) -> int:
    from django.utils import timezone

    return Invitation.objects.filter(
        Q(project=project, accepted_at__isnull=True, revoked_at__isnull=True)
        & Q(expires_at__gt=timezone.now())
    ).count()
