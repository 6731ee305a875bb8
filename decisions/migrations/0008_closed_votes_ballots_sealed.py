"""Seal the secret ballots of votes that closed before sealing existed.

From now on a vote's secret ballots are sealed in the transaction that closes it
(`decisions.services.voting_close`). Ballots of stages already closed are sealed here
the same way: each written again as a new row with a new random id and no
`voter_key`, in an order shuffled by the operating system's random source, and the old
rows deleted. What each ballot says and its group are copied unchanged, so the decision
records (already written, and never changed) still match the ballots. Open ballots
(the voter shown by choice) are left as they are.

There is no going back: the keys and the old rows are gone on purpose.
"""

import secrets
import uuid

from django.db import migrations


def seal_closed_votes(apps, schema_editor):
    Ballot = apps.get_model("decisions", "Ballot")
    VotingRules = apps.get_model("decisions", "VotingRules")
    open_ballot_stages = set(
        VotingRules.objects.filter(open_ballot=True).values_list("stage_id", flat=True)
    )
    stages = (
        Ballot.objects.filter(stage__state="closed", voter_key__isnull=False)
        .exclude(stage_id__in=open_ballot_stages)
        .values_list("stage_id", flat=True)
        .distinct()
    )
    shuffle = secrets.SystemRandom().shuffle
    for stage_id in list(stages):
        unsealed = Ballot.objects.filter(stage_id=stage_id, voter_key__isnull=False)
        kept = list(unsealed.values_list("constituency", "content"))
        shuffle(kept)
        unsealed.delete()
        Ballot.objects.bulk_create(
            [
                Ballot(
                    id=uuid.uuid4(),
                    stage_id=stage_id,
                    voter_key=None,
                    constituency=group,
                    content=content,
                )
                for group, content in kept
            ],
            batch_size=2000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0007_smallest_group_floor_and_sealed_ballots"),
        ("projects", "0006_stage_voting_rules_moved_to_decisions"),
    ]

    operations = [migrations.RunPython(seal_closed_votes, migrations.RunPython.noop)]
