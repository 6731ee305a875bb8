"""The chain's lock and its head in one round trip: a function that takes the project's
advisory lock, then reads the newest event. Written in PL/pgSQL because each statement
of a VOLATILE function takes a fresh snapshot, so the head is read after the lock is
granted (one plain statement would read it as of before waiting)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION coproduce_chain_lock_and_head(chain_key bigint, chain_project uuid)
RETURNS TABLE (head_sequence bigint, head_hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(chain_key);
    RETURN QUERY
        SELECT event.sequence::bigint, event.hash::text
        FROM coproduce_auditevent AS event
        WHERE event.project_id = chain_project
        ORDER BY event.sequence DESC
        LIMIT 1;
END
$$;
"""

DROP = "DROP FUNCTION IF EXISTS coproduce_chain_lock_and_head(bigint, uuid);"


class Migration(migrations.Migration):
    dependencies = [("coproduce", "0006_audit_day_counts_of_pulse_answers")]

    operations = [migrations.RunSQL(CREATE, DROP)]
