"""The rules the delivery services share: refusals shown beside a field, dates not in the
past, who may own an action, where an action's status can go next, and which options a
decision adopted."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from coproduce.errors import RightsError, RuleError
from decisions.models import DecisionRecord
from delivery.models import OWNER_ROLES, STATUS_STEPS, ActionStatus
from participants.models import User
from projects.models import Membership, Project


def deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this here.")


def today() -> date:
    """Today in the portal's time zone (the person's own zone during a request)."""
    return timezone.localdate()


def not_in_the_past(day: date, *, field: str) -> None:
    if day < today():
        raise RuleError(
            "Choose today or a date in the future. The date you chose has already passed.",
            field=field,
        )


def takes_part(project: Project, user: User | None) -> bool:
    """Whether the person is in the project now as a member, facilitator or sponsor."""
    return (
        user is not None
        and Membership.objects.filter(
            project=project, user=user, left_at__isnull=True, role__in=OWNER_ROLES
        ).exists()
    )


def next_statuses(status: str) -> tuple[ActionStatus, ...]:
    """Where an action can move from this status: one step (`STATUS_STEPS`). The status
    page offers only these; `action_status_change` refuses anything else."""
    return tuple(ActionStatus(step) for step in STATUS_STEPS[status])


# Votes ranked by dots or points recommend their top options, at most this many (the
# James Lind Alliance's "top 10"), each with some support.
MOST_RANKED_RECOMMENDATIONS = 10
_PASSING_VERDICTS = {"Passes", "In"}


def adopted_options(record_: DecisionRecord) -> list[dict[str, Any]]:
    """The options a decision adopted, in the result's order, as {"option", "title"}.

    Consent and scoring votes adopt the options that pass (or are "in"). Dots and
    ranking votes adopt their top options with support, at most
    MOST_RANKED_RECOMMENDATIONS. A vote nobody voted in adopts nothing, nor does a review's
    verdict vote.
    """
    if record_.voting_method == "verdict":
        # A review's verdicts judge earlier recommendations; they recommend nothing new.
        return []
    if not sum(int(count) for count in (record_.turnout or {}).values()):
        return []
    rows = list((record_.table or {}).get("rows", []))
    if record_.voting_method in ("consent", "scoring"):
        adopted = [row for row in rows if row.get("verdict") in _PASSING_VERDICTS]
    else:
        adopted = [row for row in rows if float(row.get("value") or 0) > 0]
        adopted = adopted[:MOST_RANKED_RECOMMENDATIONS]
    return [{"option": str(row["option"]), "title": str(row["title"])} for row in adopted]
