"""Closing a vote and the decision record: the secret ballots sealed, the electorate,
the quorum, the record written exactly once, and the facilitators' notes on it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.audit.verify import chain_head
from coproduce.errors import RightsError
from coproduce.sealing import rows_seal
from decisions import notify as decisions_notify
from decisions.models import Ballot, DecisionNote, DecisionRecord, VotingRules
from decisions.results import count_stage
from decisions.rules import voting_rules_for
from decisions.services.ballots import stage_options
from decisions.signals import decision_recorded
from participants.models import User
from projects import permissions as project_permissions
from projects import services as project_services
from projects.models import Membership, Stage


def electorate_at_opening(stage: Stage) -> dict[str, int]:
    """Members per constituency at the moment voting opened."""
    opened = stage.voting_opened_at or timezone.now()
    rows = (
        Membership.objects.filter(project_id=stage.project_id, role="member", joined_at__lte=opened)
        .exclude(left_at__lte=opened)
        .values_list("constituency", flat=True)
    )
    electorate: dict[str, int] = {}
    for constituency in rows:
        electorate[constituency] = electorate.get(constituency, 0) + 1
    return electorate


def _quorum_met(
    rules: VotingRules, electorate: dict[str, int], turnout: dict[str, int]
) -> bool | None:
    if rules.quorum_percent is None and rules.quorum_per_constituency_percent is None:
        return None
    met = True
    total = sum(electorate.values())
    if rules.quorum_percent is not None and total:
        met &= sum(turnout.values()) * 100 >= rules.quorum_percent * total
    if rules.quorum_per_constituency_percent is not None:
        for constituency, members in electorate.items():
            voted = turnout.get(constituency, 0)
            met &= voted * 100 >= rules.quorum_per_constituency_percent * members
    return met


# The order ballots are counted in: by what they say, never by anything about who cast
# them. (Counting does not depend on it; it fixes the order block reasons are listed in.)
COUNTING_ORDER = ("constituency", "content", "id")


def _ballots_seal(stage: Stage) -> int:
    """Seal a closed vote's secret ballots, inside the closing transaction; return how many.

    While voting is open, a ballot row still carries traces of how it was written: its
    `voter_key` (a keyed hash a holder of BALLOT_SECRET_KEY can recompute for each
    member), the transaction that wrote it (PostgreSQL's `xmin`, shared with the
    participation row and trail entry written with it) and its place in the table.
    Sealing (`coproduce.sealing.rows_seal`) writes each ballot again as a new row with
    a new random id and no key, in a shuffled order, and deletes the old rows.
    Afterwards every ballot of the stage was written by this one transaction, in an
    order that says nothing, and nothing finds a person's ballot any more.

    What each ballot says and its group are copied unchanged, so the count is the same.
    Open ballots (the voter is shown by choice) are left as they are. The caller holds
    the stage's row lock and has closed voting, so no ballot arrives meanwhile.
    """
    if voting_rules_for(stage).open_ballot:
        return 0
    return rows_seal(
        Ballot.objects.filter(stage=stage, voter_key__isnull=False),
        keep=("stage_id", "constituency", "content"),
    )


def _record_decision(stage: Stage) -> DecisionRecord:
    rules = voting_rules_for(stage)
    options = stage_options(stage)
    ballots = list(Ballot.objects.filter(stage=stage).order_by(*COUNTING_ORDER))
    counted = count_stage(stage, ballots, options)
    electorate = electorate_at_opening(stage)
    turnout: dict[str, int] = {}
    for ballot in ballots:
        turnout[ballot.constituency] = turnout.get(ballot.constituency, 0) + 1
    return DecisionRecord.objects.create(
        stage=stage,
        voting_method=rules.voting_method,
        counting=rules.counting,
        rules=rules.as_record(),
        options=[{"id": str(option.pk), "title": option.title} for option in options],
        electorate=electorate,
        turnout=turnout,
        result=counted["result"],
        table={
            "figure_name": counted["figure_name"],
            "rows": counted["rows"],
            "parts": counted["parts"],
            "block_reasons": counted.get("block_reasons", {}),
            "comments": counted.get("comments", {}),
        },
        outcome=counted["outcome"],
        quorum_met=_quorum_met(rules, electorate, turnout),
        tie_breaks=counted["tie_breaks"],
        voting_opened_at=stage.voting_opened_at,
        trail_head=str(chain_head(stage.project_id) or ""),
    )


def voting_close(*, actor: User | None, stage: Stage) -> DecisionRecord:
    """Close voting and write the decision record, exactly once.

    Two workers, a retried task and a facilitator pressing "close" at the same time
    all meet the stage's row lock: the first closes, seals the secret ballots, counts
    them and records, the rest find the record and return it. `actor` None is the
    scheduler.
    """
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        existing = DecisionRecord.objects.filter(stage=locked).first()
        if existing is not None:
            return existing
        closed = project_services.stage_vote_close(actor=actor, stage=locked)
        if not voting_rules_for(closed).open_ballot:
            sealed = _ballots_seal(closed)
            # That the ballots were sealed, and how many: never what they say.
            record(
                action="ballots.sealed",
                actor=actor,
                project_id=locked.project_id,
                target=closed,
                details={"stage": str(locked.pk), "count": sealed},
            )
        # Counted from the sealed ballots.
        record_ = _record_decision(closed)
        record(
            action="decision.recorded",
            actor=actor,
            project_id=locked.project_id,
            target=record_,
            details={"stage": str(locked.pk), "tie_break": record_.decided_by_tie_break},
        )
        decisions_notify.results_published_notify(decision=record_)
        # Later layers (delivery: the recommendations) act on the committed record.
        # robust: what they do is theirs to retry; the closed vote stands.
        transaction.on_commit(
            lambda: decision_recorded.send(sender=DecisionRecord, record=record_), robust=True
        )
    return record_


def decision_note_write(
    *, actor: User, record_: DecisionRecord, rationale: str, dissent: str, next_steps: str
) -> DecisionNote:
    """Add the facilitators' rationale, dissent and next steps; earlier versions are kept."""
    if not project_permissions.can_configure_project(actor, record_.stage.project):
        raise RightsError("Only facilitators write the decision's rationale.")
    with transaction.atomic():
        note = DecisionNote.objects.create(
            record=record_,
            rationale=rationale,
            dissent=dissent,
            next_steps=next_steps,
            written_by=actor,
        )
        record(
            action="decision.note_written",
            actor=actor,
            project_id=record_.stage.project_id,
            target=record_,
        )
        decisions_notify.decision_recorded_notify(decision=record_)
    return note
