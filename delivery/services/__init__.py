"""Every write of delivery: one transaction each, audited.

- `recommendations`: recommendations from a closed vote, the date a response is due,
  the organisation's responses (every version kept), comments on recommendations;
- `actions`: delivery actions (proposed, confirmed, given another owner or date, moved
  along), progress updates and comments on actions;
- `review`: the recommendations acted on put to a review stage's verdict vote, and the
  public "You said, we did" page published and withdrawn.
"""

from __future__ import annotations

from coproduce.errors import RightsError, RuleError
from delivery.services.actions import (
    action_change,
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
from delivery.services.review import report_publish, report_withdraw, review_options_create

__all__ = [
    "RightsError",
    "RuleError",
    "action_change",
    "action_comment_create",
    "action_confirm",
    "action_propose",
    "action_status_change",
    "action_update_post",
    "recommendation_comment_create",
    "recommendations_from_decision",
    "recommendations_sweep",
    "report_publish",
    "report_withdraw",
    "response_due_set",
    "response_write",
    "review_options_create",
]
