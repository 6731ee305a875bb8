"""The voting rules now live in decisions.VotingRules (copied there by
decisions 0004_voting_rules_copied_from_stages); the stage keeps its timeline."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_stage_has_vote"),
        ("decisions", "0004_voting_rules_copied_from_stages"),
    ]

    operations = [
        migrations.RemoveField(model_name="stage", name="agreement_in_every_constituency"),
        migrations.RemoveField(model_name="stage", name="consent_threshold_percent"),
        migrations.RemoveField(model_name="stage", name="counting"),
        migrations.RemoveField(model_name="stage", name="dots_can_stack"),
        migrations.RemoveField(model_name="stage", name="dots_per_member"),
        migrations.RemoveField(model_name="stage", name="live_results"),
        migrations.RemoveField(model_name="stage", name="max_ranks"),
        migrations.RemoveField(model_name="stage", name="open_ballot"),
        migrations.RemoveField(model_name="stage", name="quorum_per_constituency_percent"),
        migrations.RemoveField(model_name="stage", name="quorum_percent"),
        migrations.RemoveField(model_name="stage", name="scoring_in_percent"),
        migrations.RemoveField(model_name="stage", name="scoring_out_percent"),
        migrations.RemoveField(model_name="stage", name="smallest_group_shown"),
        migrations.RemoveField(model_name="stage", name="voting_method"),
    ]
