"""Every stage with a vote gets its VotingRules, with the values the stage held, and
`has_vote` says whether the stage has a vote at all. The rules' lock follows the stage's
state (locked once voting opened), so stages in voting or closed stay locked.

Going back copies the rules onto the stage again (before its fields come back empty,
0006 of projects is reversed first, so the fields exist again here)."""

from django.db import migrations

RULES = (
    "voting_method",
    "counting",
    "dots_per_member",
    "dots_can_stack",
    "max_ranks",
    "consent_threshold_percent",
    "scoring_in_percent",
    "scoring_out_percent",
    "agreement_in_every_constituency",
    "open_ballot",
    "live_results",
    "smallest_group_shown",
    "quorum_percent",
    "quorum_per_constituency_percent",
)


def rules_from_stages(apps, schema_editor):
    Stage = apps.get_model("projects", "Stage")
    VotingRules = apps.get_model("decisions", "VotingRules")
    for stage in Stage.objects.exclude(voting_method="none").iterator():
        VotingRules.objects.update_or_create(
            stage=stage, defaults={name: getattr(stage, name) for name in RULES}
        )
    Stage.objects.exclude(voting_method="none").update(has_vote=True)
    Stage.objects.filter(voting_method="none").update(has_vote=False)


def rules_back_to_stages(apps, schema_editor):
    Stage = apps.get_model("projects", "Stage")
    VotingRules = apps.get_model("decisions", "VotingRules")
    for rules in VotingRules.objects.select_related("stage").iterator():
        stage = rules.stage
        for name in RULES:
            setattr(stage, name, getattr(rules, name))
        if not stage.has_vote:
            stage.voting_method = "none"
        stage.save(update_fields=list(RULES))
    Stage.objects.filter(has_vote=False).update(voting_method="none")


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0003_voting_rules"),
        ("projects", "0005_stage_has_vote"),
    ]

    operations = [migrations.RunPython(rules_from_stages, rules_back_to_stages)]
