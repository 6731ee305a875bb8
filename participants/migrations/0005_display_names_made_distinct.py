"""Before display names become unique: give any repeated name (in any letter case) a
number, oldest account first keeping its name, and remove hidden characters."""

import re
import unicodedata

from django.db import migrations

_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}


def _visible(text):
    kept = "".join(
        " " if c.isspace() else c
        for c in text
        if c.isspace() or unicodedata.category(c) not in _INVISIBLE
    )
    return re.sub(r"\s+", " ", kept).strip() or "Member"


def make_distinct(apps, schema_editor):
    User = apps.get_model("participants", "User")
    seen = set()
    for person in User.objects.order_by("date_joined", "pk").only("pk", "display_name"):
        base = _visible(person.display_name)[:54]
        name, number = base, 2
        while name.lower() in seen:
            name = f"{base} {number}"
            number += 1
        seen.add(name.lower())
        if name != person.display_name:
            User.objects.filter(pk=person.pk).update(display_name=name)


class Migration(migrations.Migration):
    dependencies = [("participants", "0004_notification_kind_invited")]

    operations = [migrations.RunPython(make_distinct, migrations.RunPython.noop)]
