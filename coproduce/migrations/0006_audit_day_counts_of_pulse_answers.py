from django.conf import settings
from django.db import migrations

# Pulse answers were registered as "counts only" but listed one by one in the trail.
# From here on `record()` keeps a count for each day of every counted action, as it
# does for votes; this counts the answers already in every chain the same way (each
# member once a day in each stage; an event with no person once), so a check of the
# chain finds the kept counts and the events agree. The action names are written out:
# a migration does not read the registry, which may have changed since.
BACKFILL = """
INSERT INTO coproduce_auditdaycount (project_id, day, stage_ref, action, members)
SELECT project_id,
       (created_at AT TIME ZONE %s)::date,
       COALESCE(CASE WHEN object_type = 'stage' THEN object_id END,
                details ->> 'stage', details ->> 'stage_id', details ->> 'from_stage', ''),
       action,
       COUNT(DISTINCT actor_id) + COUNT(*) FILTER (WHERE actor_id IS NULL)
FROM coproduce_auditevent
WHERE project_id IS NOT NULL AND action IN ('pulse.answered')
GROUP BY 1, 2, 3, 4
ON CONFLICT (project_id, day, stage_ref, action) DO NOTHING
"""


def count_past_pulse_answers(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(BACKFILL, [settings.DEFAULT_USER_TIME_ZONE])


class Migration(migrations.Migration):
    dependencies = [
        ("coproduce", "0005_audit_day_counts"),
    ]

    operations = [
        migrations.RunPython(count_past_pulse_answers, migrations.RunPython.noop),
    ]
