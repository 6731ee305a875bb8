"""Ballots: the options of a vote, checking and casting a ballot (with the member's
participation), and finding a member's own ballot again by its keyed hash."""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any, NoReturn

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from decisions import counting, permissions
from decisions import notify as decisions_notify
from decisions.models import Ballot, Participation, Proposal, VotingMethod
from decisions.results import dots_rules
from decisions.rules import voting_rules_for
from participants.models import User
from projects.models import Membership, Role, Stage


def voter_key(user: User, stage: Stage) -> str:
    """The keyed hash that finds a member's ballot again without naming them."""
    return salted_hmac(
        "coproduce.decisions.ballot",
        f"{user.pk}:{stage.pk}",
        secret=settings.BALLOT_SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()


def stage_options(stage: Stage) -> list[Proposal]:
    """The options of a vote in their published order (the order they were proposed)."""
    return list(
        Proposal.objects.filter(stage=stage, status=Proposal.Status.ACTIVE).order_by(
            "created_at", "id"
        )
    )


def validate_ballot(stage: Stage, raw: dict[str, Any], options: list[Proposal]) -> dict[str, Any]:
    """Check a ballot against the stage's method; return the content to store.

    Raises counting.BallotError with a message for the member.
    """
    ids = [str(option.pk) for option in options]
    labels = {str(option.pk): option.title for option in options}
    method = voting_rules_for(stage).voting_method
    if method == VotingMethod.DOTS:
        placed = counting.validate_dots_ballot(
            raw, rules=dots_rules(stage, len(ids)), options=ids, labels=labels
        )
        return {"dots": placed}
    if method == VotingMethod.RANKING:
        ranking = counting.validate_ranking_ballot(
            raw,
            rules=counting.RankingRules(min(voting_rules_for(stage).max_ranks, len(ids)) or 1),
            options=ids,
            labels=labels,
        )
        return {"ranking": list(ranking)}
    if method == VotingMethod.SCORING:
        return {"scores": counting.validate_scoring_ballot(raw, options=ids, labels=labels)}
    if method == VotingMethod.CONSENT:
        answers = {}
        for option_id in ids:
            given = raw.get(option_id) or {}
            answer, reason = counting.validate_consent_ballot(
                given.get("answer", ""), given.get("reason", "")
            )
            answers[option_id] = {"answer": str(answer), "reason": reason}
        return {"answers": answers}
    if method == VotingMethod.VERDICT:
        return {"verdicts": counting.validate_verdict_ballot(raw, options=ids, labels=labels)}
    raise RuleError("This stage has no vote.")


# The cast's writes in one statement, at the moment of casting: the stage must be voting
# and the person a current member (both rows are share-locked, so closing the vote or
# leaving the project waits for this cast to commit, or this cast sees the change and
# writes nothing); then who voted (a second cast finds the row there and does nothing,
# without an error) and what (replaced in place by a second cast). Casts do not wait on
# each other here: the audit chain's own lock orders them, after this statement.
_CAST_SQL = """
WITH voter AS (
    SELECT stage.id AS stage_id, membership.constituency
    FROM {stage} AS stage
    JOIN {membership} AS membership ON membership.project_id = stage.project_id
    WHERE stage.id = %(stage)s
      AND stage.state = %(voting)s
      AND membership.user_id = %(user)s
      AND membership.role = %(member)s
      AND membership.left_at IS NULL
    FOR SHARE
), took_part AS (
    INSERT INTO {participation} (stage_id, user_id, voted_on)
    SELECT stage_id, %(user)s, %(today)s FROM voter
    ON CONFLICT (stage_id, user_id) DO NOTHING
)
INSERT INTO {ballot} (id, stage_id, voter_key, constituency, content, voter_id)
SELECT %(ballot)s, stage_id, %(voter_key)s, constituency, %(content)s::jsonb, %(voter)s
FROM voter
ON CONFLICT (stage_id, voter_key) DO UPDATE
SET constituency = EXCLUDED.constituency, content = EXCLUDED.content, voter_id = EXCLUDED.voter_id
RETURNING id, constituency
"""


def _cast_sql() -> str:
    quote = connection.ops.quote_name
    return _CAST_SQL.format(
        stage=quote(Stage._meta.db_table),
        membership=quote(Membership._meta.db_table),
        participation=quote(Participation._meta.db_table),
        ballot=quote(Ballot._meta.db_table),
    )


def ballot_cast(
    *,
    actor: User,
    stage: Stage,
    raw: dict[str, Any],
    options: list[Proposal] | None = None,
) -> Ballot:
    """Record or replace a member's ballot. One per member per stage, whatever the retries.

    `options` are the stage's `stage_options` if the caller has them already. Everything
    is read and checked first; then one transaction writes participation and ballot (see
    `_CAST_SQL`: the stage's state and the membership are checked again there, at the
    moment of casting) and the audit event. Reminders not yet emailed are taken back
    after the commit.
    """
    if not permissions.can_vote(actor, stage):
        raise RightsError("You cannot vote here.")
    if options is None:
        options = stage_options(stage)
    content = validate_ballot(stage, raw, options)
    key = voter_key(actor, stage)
    voter = actor if voting_rules_for(stage).open_ballot else None
    params = {
        "stage": stage.pk,
        "voting": Stage.State.VOTING.value,
        "user": actor.pk,
        "member": Role.MEMBER.value,
        "today": timezone.localdate(),
        "ballot": uuid.uuid4(),
        "voter_key": key,
        "content": json.dumps(content),
        "voter": voter.pk if voter is not None else None,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_cast_sql(), params)
            row = cursor.fetchone()
        if row is None:
            _refuse_cast(actor, stage)
        # That a member voted, never what.
        record(
            action="ballot.cast",
            actor=actor,
            project_id=stage.project_id,
            details={"stage": str(stage.pk)},
        )
        transaction.on_commit(
            partial(decisions_notify.voting_reminders_withdraw, user=actor, stage=stage),
            robust=True,
        )
    ballot_id, constituency = row
    return Ballot(
        id=ballot_id,
        stage=stage,
        voter_key=key,
        constituency=constituency,
        content=content,
        voter=voter,
    )


def _refuse_cast(actor: User, stage: Stage) -> NoReturn:
    """Say why the cast wrote nothing: voting closed, or the person is no longer a member."""
    state = Stage.objects.filter(pk=stage.pk).values_list("state", flat=True).first()
    if state != Stage.State.VOTING:
        raise RuleError("Voting has closed, so your vote could not be recorded.")
    raise RightsError("You cannot vote here.")


def own_ballot(user: User, stage: Stage) -> Ballot | None:
    """The member's own ballot, found by its keyed hash."""
    return Ballot.objects.filter(stage=stage, voter_key=voter_key(user, stage)).first()
