# The export model moves from the core (coproduce) to the trail app without touching
# its rows: the table is renamed, and the model enters the trail's state as it was.

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("coproduce", "0003_audit_export_moves_to_the_trail_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditExport",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("project_id", models.UUIDField()),
                        ("filters", models.JSONField(blank=True, default=dict)),
                        (
                            "format",
                            models.CharField(
                                choices=[
                                    ("csv", "CSV (for spreadsheets)"),
                                    ("jsonl", "JSON Lines (for other software)"),
                                ],
                                max_length=8,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Waiting to start"),
                                    ("running", "Being prepared"),
                                    ("ready", "Ready to download"),
                                    ("failed", "Could not be prepared"),
                                    ("expired", "No longer available"),
                                ],
                                default="queued",
                                max_length=8,
                            ),
                        ),
                        ("rows_done", models.PositiveBigIntegerField(default=0)),
                        ("rows_total", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("file_name", models.CharField(blank=True, max_length=100)),
                        ("file_size", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("expires_at", models.DateTimeField()),
                        (
                            "requested_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["project_id", "requested_by", "-created_at"],
                                name="audit_export_mine",
                            ),
                            models.Index(fields=["expires_at"], name="audit_export_expiry"),
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE coproduce_auditexport RENAME TO trail_auditexport",
                    reverse_sql="ALTER TABLE trail_auditexport RENAME TO coproduce_auditexport",
                ),
            ],
        ),
    ]
