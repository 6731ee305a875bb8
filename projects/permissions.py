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
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Value
from django.db.models.expressions import Expression

from participants.models import User
from projects.models import Membership, Project, ProjectGroupObjectPermission, ProjectRight, Role

_CACHE_ATTRIBUTE = "_project_rights_cache"


def project_rights(user: User | AnonymousUser, project: Project) -> frozenset[str]:
    """Return the codenames the person holds on the project (one query, cached per user).

    Those of the role group of their current membership, if they are in that group.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cache: dict[object, frozenset[str]] = user.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
    if project.pk not in cache:
        codenames = ProjectGroupObjectPermission.objects.filter(
            content_object=project,
            group__user=user,
            group__project_role__project=project,
            group__project_role__role__in=_current_roles(user),
        ).values_list("permission__codename", flat=True)
        cache[project.pk] = frozenset(codenames)
    return cache[project.pk]


def project_rights_expression(user: User | AnonymousUser, project_ref: str = "pk") -> Expression:
    """The same codenames as `project_rights`, as SQL to annotate a query with: a page
    loads the project (or stage) and the person's rights in one query.

    `project_ref` names the project's id in the outer query ("pk" for a project,
    "project_id" for a stage). Read the result with `remember_project_rights`.
    """
    if not user.is_authenticated or not user.is_active:
        return Value([])
    return ArraySubquery(
        ProjectGroupObjectPermission.objects.filter(
            content_object=OuterRef(project_ref),
            group__user=user.pk,
            group__project_role__project=OuterRef(project_ref),
            group__project_role__role__in=_current_roles(user),
        ).values("permission__codename")
    )


def _current_roles(user: User) -> object:
    """The roles of the person's current membership of the permission row's project."""
    return Membership.objects.filter(
        project=OuterRef("content_object"), user=user.pk, left_at__isnull=True
    ).values("role")


def remember_project_rights(
    user: User | AnonymousUser, project: Project, codenames: list[str] | None
) -> frozenset[str]:
    """Keep rights read with `project_rights_expression` for the rest of this request
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
