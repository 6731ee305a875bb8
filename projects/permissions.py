"""Who may do what in a project, and when: one predicate per action.

A right comes only from the project's role groups (django-guardian group object
permissions), and only while the person has a current membership with that role:
being put into a role group some other way (by hand in the admin) gives nothing,
and grants to a single person and superuser status count for nothing either, so
every member of a project holds exactly the same rights. The stage's
state then says whether a right can be used now: the predicates about proposing,
commenting and voting in a stage live in `decisions.permissions`.
"""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import connection

from participants.models import User
from projects.models import (
    Membership,
    Project,
    ProjectGroupObjectPermission,
    ProjectRight,
    ProjectRoleGroup,
    Role,
)

_CACHE_ATTRIBUTE = "_project_rights_cache"


def project_rights(user: User | AnonymousUser, project: Project) -> frozenset[str]:
    """Return the codenames the person holds on the project (one query, cached per user).

    Those of the role group of their current membership, if they are in that group.
    Pages read them with the project (`projects.access`), from the same `rights_sql`.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cache: dict[object, frozenset[str]] = user.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
    if project.pk not in cache:
        role = (
            f"(SELECT role FROM {connection.ops.quote_name(Membership._meta.db_table)}"  # noqa: S608
            " WHERE project_id = %(project)s AND user_id = %(user)s AND left_at IS NULL)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {rights_sql('%(project)s', role)}",
                {"project": project.pk, "user": user.pk},
            )
            cache[project.pk] = frozenset(cursor.fetchone()[0])
    return cache[project.pk]


def rights_sql(project_column: str, role_column: str) -> str:
    """The same codenames as `project_rights`, as an SQL array for a hand-written read
    (`projects.access`): the role group's rights on the project whose id is
    `project_column`, for the role in `role_column` (the person's current membership,
    NULL when they have none: no rights) and the person `%(user)s`, who must be in that
    role group."""
    quote = connection.ops.quote_name
    grants = quote(ProjectGroupObjectPermission._meta.db_table)
    permission = quote(Permission._meta.db_table)
    in_group = quote(User.groups.through._meta.db_table)
    role_group = quote(ProjectRoleGroup._meta.db_table)
    # The role group's id as a scalar subquery (one role group per project and role):
    # PostgreSQL plans it in about 0.12 ms, against 0.21 ms for one join over the four
    # tables (measured on the 2 vCPU machine of bench/README.md), and every page asks it.
    return (
        f"ARRAY(SELECT permission.codename FROM {grants} AS grant_row"  # noqa: S608
        f" JOIN {permission} AS permission ON permission.id = grant_row.permission_id"
        f" WHERE grant_row.content_object_id = {project_column}"
        f" AND grant_row.group_id = (SELECT role_group.group_id FROM {role_group} AS role_group"
        f" JOIN {in_group} AS in_group ON in_group.group_id = role_group.group_id"
        f" AND in_group.user_id = %(user)s"
        f" WHERE role_group.project_id = {project_column} AND role_group.role = {role_column}))"
    )


def remember_project_rights(
    user: User | AnonymousUser, project: Project, codenames: list[str] | None
) -> frozenset[str]:
    """Keep rights read with `rights_sql` for the rest of this request
    (on this user object only: a new request reads them again)."""
    rights = frozenset(codenames or ()) if user.is_authenticated and user.is_active else frozenset()
    if user.is_authenticated:
        user.__dict__.setdefault(_CACHE_ATTRIBUTE, {})[project.pk] = rights
    return rights


def forget_project_rights(user: User) -> None:
    """Drop cached rights after a change of membership."""
    user.__dict__.pop(_CACHE_ATTRIBUTE, None)


def has_right(user: User | AnonymousUser, project: Project, right: str) -> bool:
    return right in project_rights(user, project)


def is_active(project: Project) -> bool:
    return project.status == Project.Status.ACTIVE


def can_view_project(user: User | AnonymousUser, project: Project) -> bool:
    return has_right(user, project, ProjectRight.VIEW)


def can_configure_project(user: User | AnonymousUser, project: Project) -> bool:
    return has_right(user, project, ProjectRight.CONFIGURE)


def can_see_every_group(user: User | AnonymousUser, project: Project) -> bool:
    """Facilitators see every member's group and declaration of interests: they run the
    project (and need them to invite and keep the groups balanced). Observers see them
    only where the member chose to show them (`Membership.show_constituency`)."""
    return has_right(user, project, ProjectRight.CONFIGURE)


def can_invite(user: User | AnonymousUser, project: Project) -> bool:
    return is_active(project) and has_right(user, project, ProjectRight.INVITE)


def can_moderate(user: User | AnonymousUser, project: Project) -> bool:
    return has_right(user, project, ProjectRight.MODERATE)


def can_read_audit_trail(user: User | AnonymousUser, project: Project) -> bool:
    return has_right(user, project, ProjectRight.READ_AUDIT)


def can_read_facilitator_entries(user: User | AnonymousUser, project: Project) -> bool:
    """The trail's entries only facilitators see (a member's payment choice and claims):
    those who read the trail and run the project, never observers or sponsors."""
    return has_right(user, project, ProjectRight.READ_AUDIT) and has_right(
        user, project, ProjectRight.CONFIGURE
    )


def can_see_member_list(user: User | AnonymousUser, project: Project) -> bool:
    """Facilitators and observers see who is in the project (groups: see below)."""
    return has_right(user, project, ProjectRight.CONFIGURE) or has_right(
        user, project, ProjectRight.READ_AUDIT
    )


def can_create_project(user: User | AnonymousUser) -> bool:
    """A site-wide right an administrator grants in Django's admin."""
    return user.is_authenticated and user.has_perm("projects.add_project")


def role_needs_two_factors(role: str | None) -> bool:
    """Facilitators, observers and sponsors see who is in a project (and sponsors hold its
    authority): they sign in with two factors."""
    return role in (Role.FACILITATOR, Role.OBSERVER, Role.SPONSOR)


def needs_mfa(user: User | AnonymousUser, role: str | None) -> bool:
    """Facilitators, observers and sponsors must switch on two-factor authentication first."""
    return role_needs_two_factors(role) and not is_mfa_enabled(user)
