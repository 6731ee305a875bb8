"""The services tell people (needs the snippets in projects/ and decisions/services/)."""

from __future__ import annotations

import pytest

from decisions import services
from participants.notifications.models import Kind, Notification
from projects import services as project_services

pytestmark = pytest.mark.django_db


def test_services_notify(project, facilitator, carer_member, clinician_member) -> None:
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    assert Notification.objects.filter(kind=Kind.STAGE_OPENED).count() == 3
    proposal = services.proposal_create(actor=carer_member, stage=stage, title="Idea", body="b")
    services.comment_create(actor=clinician_member, proposal=proposal, body="Good")
    assert Notification.objects.filter(kind=Kind.REPLY, recipient=carer_member).count() == 1
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    assert Notification.objects.filter(kind=Kind.VOTING_OPENED).count() == 3
    services.ballot_cast(actor=carer_member, stage=stage, raw={str(proposal.pk): 1})
    record_ = services.voting_close(actor=facilitator, stage=stage)
    assert Notification.objects.filter(kind=Kind.RESULTS_PUBLISHED).count() == 5
    services.decision_note_write(
        actor=facilitator, record_=record_, rationale="r", dissent="", next_steps="n"
    )
    services.decision_note_write(
        actor=facilitator, record_=record_, rationale="r2", dissent="", next_steps="n"
    )
    assert Notification.objects.filter(kind=Kind.DECISION_RECORDED).count() == 5
