"""Every write of delivery: one transaction each, audited.

- `recommendations`: recommendations from a closed vote, the date a response is due,
  the organisation's responses (every version kept), comments on recommendations;
- `actions`: delivery actions (proposed, confirmed, moved along), progress updates and
  comments on actions.
"""

from __future__ import annotations

from coproduce.errors import RightsError, RuleError
from delivery.services.actions import (
    action_comment_create,
    action_confirm,
    action_propose,
    action_status_change,
    action_update_post,
)
from delivery.services.recommendations import (
    recommendation_comment_create,
    recommendations_from_decision,
    recommendations_sweep,
    response_due_set,
    response_write,
)

__all__ = [
    "RightsError",
    "RuleError",
    "action_comment_create",
    "action_confirm",
    "action_propose",
    "action_status_change",
    "action_update_post",
    "recommendation_comment_create",
    "recommendations_from_decision",
    "recommendations_sweep",
    "response_due_set",
    "response_write",
]
