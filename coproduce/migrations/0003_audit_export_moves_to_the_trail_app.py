# The export model belongs to the trail app now (trail/0001 takes it over, table and
# rows included). Here it only leaves the core's state: nothing in the database changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("coproduce", "0002_audit_exports_verifications_and_action_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditExport")],
            database_operations=[],
        ),
    ]
