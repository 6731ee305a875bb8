"""Every write about projects. Each runs in one transaction, takes the acting person,
checks the rule, writes, and records the audit event.

The services live in modules by concern and are all exported from here, so callers
keep writing `from projects import services; services.project_create(...)`:

- `projects`: creating a project and changing its details;
- `stages`: a project's stages and their timeline (draft -> open -> voting -> closed);
- `memberships`: people joining and leaving;
- `invitations`: inviting by email and joining through an invitation;

Their notifications' wording is in `projects.notify`.

They raise `coproduce.errors.RightsError` when the actor lacks the right and
`coproduce.errors.RuleError` when the state of things forbids the change.
"""

from __future__ import annotations

from projects.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_problem,
    invitation_revoke,
)
from projects.services.memberships import membership_end, membership_paid_staff_set
from projects.services.projects import project_create, project_update
from projects.services.stages import (
    STAGE_FIELDS,
    stage_create,
    stage_delete,
    stage_move,
    stage_transition,
    stage_update,
    stage_vote_close,
)

__all__ = [
    "STAGE_FIELDS",
    "invitation_accept",
    "invitation_create",
    "invitation_for_token",
    "invitation_problem",
    "invitation_revoke",
    "membership_end",
    "membership_paid_staff_set",
    "project_create",
    "project_update",
    "stage_create",
    "stage_delete",
    "stage_move",
    "stage_transition",
    "stage_update",
    "stage_vote_close",
]
