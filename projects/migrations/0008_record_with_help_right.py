"""Facilitators may record a vote, proposal or comment for a member who asks for help
(by phone, on paper, in a meeting): a new right, given to every project's facilitator
group, existing projects included."""

from django.db import migrations

CODENAME = "record_with_help"
NAME = "Can record a vote, proposal or comment for a member who asks for help"


def grant_to_facilitators(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ProjectRoleGroup = apps.get_model("projects", "ProjectRoleGroup")
    GroupRight = apps.get_model("projects", "ProjectGroupObjectPermission")
    content_type, _ = ContentType.objects.get_or_create(app_label="projects", model="project")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )
    GroupRight.objects.bulk_create(
        [
            GroupRight(
                permission=permission, group_id=row.group_id, content_object_id=row.project_id
            )
            for row in ProjectRoleGroup.objects.filter(role="facilitator")
        ],
        ignore_conflicts=True,
    )


def take_back(apps, schema_editor):
    GroupRight = apps.get_model("projects", "ProjectGroupObjectPermission")
    GroupRight.objects.filter(permission__codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("projects", "0007_stage_dates_within_readable_years"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="project",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("propose_in_project", "Can propose in the project"),
                    ("comment_in_project", "Can comment in the project"),
                    ("vote_in_project", "Can vote in the project"),
                    ("configure_project", "Can configure the project and its stages"),
                    ("invite_to_project", "Can invite people to the project"),
                    ("moderate_project", "Can moderate the project"),
                    ("read_audit_trail", "Can read the project's audit trail"),
                    (CODENAME, NAME),
                ],
            },
        ),
        migrations.RunPython(grant_to_facilitators, take_back),
    ]
