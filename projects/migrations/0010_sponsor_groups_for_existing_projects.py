"""Give every existing project a sponsor group with the sponsor's rights (new projects get
one from `project_create`). Rights go to groups only, like every other role's."""

from __future__ import annotations

from django.db import migrations

SPONSOR_RIGHTS = ("view_project", "read_audit_trail", "respond_in_project")


def add_sponsor_groups(apps, schema_editor):  # type: ignore[no-untyped-def]
    Project = apps.get_model("projects", "Project")
    ProjectRoleGroup = apps.get_model("projects", "ProjectRoleGroup")
    GroupPermission = apps.get_model("projects", "ProjectGroupObjectPermission")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Project.objects.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(
        app_label="projects", model="project"
    )
    names = {
        "view_project": "Can view project",
        "read_audit_trail": "Can read the project's audit trail",
        "respond_in_project": "Can respond to the project's recommendations",
    }
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": names[codename]}
        )[0]
        for codename in SPONSOR_RIGHTS
    ]
    for project in Project.objects.exclude(role_groups__role="sponsor"):
        group = Group.objects.create(name=f"project {project.pk} sponsor")
        ProjectRoleGroup.objects.create(project=project, role="sponsor", group=group)
        for permission in permissions:
            GroupPermission.objects.create(
                group=group, permission=permission, content_object=project
            )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0009_sponsor_role_and_respond_right"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(add_sponsor_groups, migrations.RunPython.noop)]
