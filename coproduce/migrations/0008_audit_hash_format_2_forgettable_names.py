"""Audit events of format 2: the hash covers a salted digest of the names, and the
trigger that refuses UPDATE and DELETE lets through only an erased person's names being
replaced (with the salt removed). Existing events are format 1 and keep verifying as
before."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coproduce", "0007_audit_chain_lock_function"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="auditevent",
            name="audit_events_are_append_only",
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="label_salt",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="personal_digest",
            field=models.CharField(blank=True, max_length=64),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_events_are_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n                IF TG_OP = 'UPDATE' AND (\n                    NEW.hash_version = 2\n                    AND OLD.hash_version = 2\n                    AND OLD.label_salt IS NOT NULL\n                    AND NEW.label_salt IS NULL\n                    AND jsonb_typeof(OLD.details) = 'object'\n                    AND jsonb_typeof(NEW.details) = 'object'\n                    AND OLD.details - 'person' = NEW.details - 'person'\n                    AND (OLD.details ? 'person') = (NEW.details ? 'person')\n                    AND to_jsonb(OLD) - 'actor_label' - 'label_salt' - 'details'\n                        = to_jsonb(NEW) - 'actor_label' - 'label_salt' - 'details'\n                ) THEN\n                    RETURN NEW;\n                END IF;\n                RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table',\n                    TG_TABLE_NAME;\n                ",
                    hash="cf8f82d40468038c72870bbbc6f75e40690a6257",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_audit_events_are_append_only_235f9",
                    table="coproduce_auditevent",
                    when="BEFORE",
                ),
            ),
        ),
    ]
