"""Ballots: the options of a vote, checking and casting a ballot (with the member's
participation), and finding a member's own ballot again by its keyed hash."""

from __future__ import annotations

import functools
import json
import uuid
from functools import partial
from typing import Any, NoReturn

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from coproduce import rows
from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from decisions import counting, permissions
from decisions import notify as decisions_notify
from decisions.models import Ballot, Participation, Proposal, VotingMethod
from decisions.results import dots_rules
from decisions.rules import voting_rules_for
from decisions.services.with_help import _check_request
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
    """The options of a vote in their published order (the order they were proposed).

    Read on every cast, so in SQL written once (`coproduce.rows`), not built each time.
    """
    with connection.cursor() as cursor:
        rows.execute(
            cursor,
            "vote_options",
            _options_sql(),
            {"stage": stage.pk, "active": Proposal.Status.ACTIVE.value},
        )
        found = cursor.fetchall()
    cols = rows.columns(Proposal, "proposal")
    options = [rows.instance(cols, row) for row in found]
    for option in options:
        _PROPOSAL_STAGE.set_cached_value(option, stage)
    return options


_PROPOSAL_STAGE = Proposal._meta.get_field("stage")


@functools.cache
def _options_sql() -> str:
    table = connection.ops.quote_name(Proposal._meta.db_table)
    return (
        f"SELECT {rows.columns(Proposal, 'proposal').sql} FROM {table} AS proposal"  # noqa: S608
        " WHERE proposal.stage_id = %(stage)s AND proposal.status = %(active)s"
        " ORDER BY proposal.created_at, proposal.id"
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
# each other here: the audit chain's own lock orders them, after this statement. It
# returns whether it wrote the participation row (a first cast, or a vote recorded with
# help): only then can there be reminders to take back.
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
    INSERT INTO {participation} (stage_id, user_id, voted_on, with_help)
    SELECT stage_id, %(user)s, %(today)s, %(with_help)s FROM voter
    ON CONFLICT (stage_id, user_id) {participation_again}
    RETURNING 1
)
INSERT INTO {ballot} (id, stage_id, voter_key, constituency, content, voter_id)
SELECT %(ballot)s, stage_id, %(voter_key)s, constituency, %(content)s::jsonb, %(voter)s
FROM voter
ON CONFLICT (stage_id, voter_key) DO UPDATE
SET constituency = EXCLUDED.constituency, content = EXCLUDED.content, voter_id = EXCLUDED.voter_id
RETURNING id, constituency, EXISTS (SELECT 1 FROM took_part) AS participation_written
"""


def _cast_sql(*, with_help: bool) -> str:
    quote = connection.ops.quote_name
    return _CAST_SQL.format(
        stage=quote(Stage._meta.db_table),
        membership=quote(Membership._meta.db_table),
        participation=quote(Participation._meta.db_table),
        ballot=quote(Ballot._meta.db_table),
        # A member's own cast leaves the row as it is; a vote recorded with help marks it.
        participation_again="DO UPDATE SET with_help = TRUE" if with_help else "DO NOTHING",
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
    after the commit (by a first cast only: reminders go only to members who have not
    voted, so a changed vote has none to take back).
    """
    if not permissions.can_vote(actor, stage):
        raise RightsError("You cannot vote here.")
    return _cast(voter=actor, stage=stage, raw=raw, options=options, helper=None, how="")


def ballot_cast_with_help(
    *,
    actor: User,
    member: User,
    stage: Stage,
    raw: dict[str, Any],
    how: str,
    member_asked: bool,
    options: list[Proposal] | None = None,
) -> Ballot:
    """A facilitator records (or replaces) the vote of a member who asked them to: by
    phone, on a paper ballot, in a meeting. The ballot is stored exactly like the member's
    own (secret, sealed at the close, its `ballot.cast` counted in the day's votes); the
    participation is marked "with help"; the trail says who recorded a vote with help and
    how the member asked, never for whom or what. The member is told, and can change it
    themselves while voting is open.
    """
    if not permissions.can_record_vote_with_help(actor, stage):
        raise RightsError("You cannot record votes for members here.")
    _check_request(how=how, member_asked=member_asked)
    if not permissions.can_vote(member, stage):
        raise RuleError(_("That person is not a member who can vote in this stage."))
    return _cast(voter=member, stage=stage, raw=raw, options=options, helper=actor, how=how)


def _cast(
    *,
    voter: User,
    stage: Stage,
    raw: dict[str, Any],
    options: list[Proposal] | None,
    helper: User | None,
    how: str,
) -> Ballot:
    if options is None:
        options = stage_options(stage)
    content = validate_ballot(stage, raw, options)
    key = voter_key(voter, stage)
    named = voter if voting_rules_for(stage).open_ballot else None
    params = {
        "stage": stage.pk,
        "voting": Stage.State.VOTING.value,
        "user": voter.pk,
        "member": Role.MEMBER.value,
        "today": timezone.localdate(),
        "with_help": helper is not None,
        "ballot": uuid.uuid4(),
        "voter_key": key,
        "content": json.dumps(content),
        "voter": named.pk if named is not None else None,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            rows.execute(cursor, "ballot_cast", _cast_sql(with_help=helper is not None), params)
            row = cursor.fetchone()
        if row is None:
            _refuse_cast(voter, stage, helped=helper is not None)
        # That a member voted, never what: like every vote, shown only in the day's count.
        record(
            action="ballot.cast",
            actor=voter,
            project_id=stage.project_id,
            details={"stage": str(stage.pk)},
        )
        if helper is not None:
            # Who recorded a vote with help, and how the member asked; never for whom (the
            # member's vote is the count above) nor what.
            record(
                action="help.vote_recorded",
                actor=helper,
                project_id=stage.project_id,
                details={"stage": str(stage.pk), "how": how},
            )
            decisions_notify.vote_recorded_for_member(member=voter, stage=stage)
        ballot_id, constituency, participation_written = row
        if participation_written:
            transaction.on_commit(
                partial(decisions_notify.voting_reminders_withdraw, user=voter, stage=stage),
                robust=True,
            )
    return Ballot(
        id=ballot_id,
        stage=stage,
        voter_key=key,
        constituency=constituency,
        content=content,
        voter=named,
    )


def _refuse_cast(actor: User, stage: Stage, *, helped: bool = False) -> NoReturn:
    """Say why the cast wrote nothing: voting closed, or the person is no longer a member."""
    state = Stage.objects.filter(pk=stage.pk).values_list("state", flat=True).first()
    if state != Stage.State.VOTING:
        if helped:
            raise RuleError(_("Voting has closed, so the vote could not be recorded."))
        raise RuleError("Voting has closed, so your vote could not be recorded.")
    if helped:
        raise RuleError(_("That person is not a member who can vote in this stage."))
    raise RightsError("You cannot vote here.")


def own_ballot(user: User, stage: Stage) -> Ballot | None:
    """The member's own ballot, found by its keyed hash."""
    return Ballot.objects.filter(stage=stage, voter_key=voter_key(user, stage)).first()
