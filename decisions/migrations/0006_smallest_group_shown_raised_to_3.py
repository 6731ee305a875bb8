"""A group's own result is shown only when at least 3 of its people voted: rules set
lower (1 or 2) are raised to 3 before the database starts refusing them (0007).

Going back leaves them at 3: the lower values were the hole being closed."""

from django.db import migrations

FLOOR = 3


def raise_to_floor(apps, schema_editor):
    VotingRules = apps.get_model("decisions", "VotingRules")
    VotingRules.objects.filter(smallest_group_shown__lt=FLOOR).update(smallest_group_shown=FLOOR)


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0005_decision_records_carry_the_trail_head"),
    ]

    operations = [migrations.RunPython(raise_to_floor, migrations.RunPython.noop)]
