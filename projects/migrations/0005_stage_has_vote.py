"""Whether a stage ends with a vote is part of its timeline; how it votes moves to decisions."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_stage_reminder_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="stage",
            name="has_vote",
            field=models.BooleanField(
                default=False,
                help_text="Members vote on the proposals before the stage closes. How they vote is set in the stage's voting rules.",
                verbose_name="This stage ends with a vote",
            ),
        ),
    ]
