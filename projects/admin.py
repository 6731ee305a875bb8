"""The admin never changes who is in a project's role groups.

A project's role groups carry its rights. People join them only by joining the project
(an invitation, accepted, with its trail entry) and leave them by leaving it, so that
the People list, the rights and the trail always agree. Here the role groups can be
read but not changed or deleted, and a person's page in the admin neither offers them
nor drops them when it is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest


def is_project_role_group(group: Group) -> bool:
    return Group.objects.filter(pk=group.pk, project_role__isnull=False).exists()


class GroupAdmin(DjangoGroupAdmin):
    """Site-wide groups as usual; a project's role groups read-only."""

    list_display = ["name", "project_role"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).select_related("project_role__project")

    @admin.display(description="Project role")
    def project_role(self, group: Group) -> str:
        role_group = getattr(group, "project_role", None)
        return str(role_group) if role_group else ""

    def has_change_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        if obj is not None and is_project_role_group(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        if obj is not None and is_project_role_group(obj):
            return False
        return super().has_delete_permission(request, obj)


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


class KeepsProjectRoleGroups:
    """For a person's admin page: offer only site-wide groups, and keep the role groups
    the person holds through their memberships whatever the form sends."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(project_role__isnull=True)
            kwargs.setdefault(
                "help_text",
                "Site-wide groups only. A project's groups follow its memberships: "
                "people join them by accepting an invitation and leave them by leaving.",
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        held = list(form.instance.groups.filter(project_role__isnull=False)) if change else []
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        form.instance.groups.add(*held)
