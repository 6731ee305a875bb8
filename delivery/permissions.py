"""Who may do what in delivery, and when: one predicate per action.

The rights come from the project's role groups (`projects.permissions`), so every
member of every constituency holds the same delivery rights. Members propose actions
(the right to propose) and comment (the right to comment); sponsors respond (the right
to respond); facilitators and sponsors confirm actions and change their owner or date;
an action's owner posts its progress. Nothing changes in a project that is no longer active.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from delivery.models import OPEN_STATUSES, Action, Response
from participants.models import User
from projects import permissions as project_permissions
from projects.models import Project, ProjectRight

Person = User | AnonymousUser


def _right(user: Person, project: Project, right: str) -> bool:
    return project_permissions.has_right(user, project, right)


def _runs_delivery(user: Person, project: Project) -> bool:
    """Facilitators (who run the project) and sponsors (who hold the authority)."""
    return _right(user, project, ProjectRight.CONFIGURE) or _right(
        user, project, ProjectRight.RESPOND
    )


def can_see_delivery(user: Person, project: Project) -> bool:
    """Everyone in the project reads the recommendations, responses and actions."""
    return project_permissions.can_view_project(user, project)


def can_respond(user: Person, project: Project) -> bool:
    """Sponsors respond to recommendations, and revise their response, while the project runs."""
    return project_permissions.is_active(project) and _right(user, project, ProjectRight.RESPOND)


def can_set_response_due(user: Person, project: Project) -> bool:
    """Facilitators set the date a response is due."""
    return project_permissions.is_active(project) and _right(user, project, ProjectRight.CONFIGURE)


def can_comment_on_recommendation(
    user: Person, project: Project, response: Response | None
) -> bool:
    """Members take a declined or partly accepted recommendation back to the group."""
    return (
        project_permissions.is_active(project)
        and _right(user, project, ProjectRight.COMMENT)
        and response is not None
        and response.discussed
    )


def can_take_back(user: Person, project: Project, response: Response | None) -> bool:
    """A facilitator takes a declined or partly accepted recommendation back to the group:
    its proposal is carried forward into a later stage (decisions' carry-forward page,
    which checks its own rules)."""
    return (
        project_permissions.is_active(project)
        and _right(user, project, ProjectRight.CONFIGURE)
        and response is not None
        and response.discussed
    )


def can_propose_action(user: Person, project: Project, response: Response | None) -> bool:
    """Anyone who proposes in the project, and those who run delivery, propose actions on a
    recommendation the organisation accepted (in full or in part)."""
    return (
        project_permissions.is_active(project)
        and response is not None
        and response.actionable
        and (_right(user, project, ProjectRight.PROPOSE) or _runs_delivery(user, project))
    )


def can_confirm_actions(user: Person, project: Project) -> bool:
    """Facilitators and sponsors confirm actions (an action they propose counts at once)."""
    return project_permissions.is_active(project) and _runs_delivery(user, project)


def can_confirm_action(user: Person, project: Project, action: Action) -> bool:
    """A facilitator or sponsor confirms a proposed action."""
    return not action.confirmed and can_confirm_actions(user, project)


def can_change_action(user: Person, project: Project, action: Action) -> bool:
    """Those who confirm actions (facilitators and sponsors) give an unfinished action
    another owner or another date, proposed or confirmed."""
    return action.status in OPEN_STATUSES and can_confirm_actions(user, project)


def is_owner(user: Person, action: Action) -> bool:
    return user.is_authenticated and action.owner_id == user.pk


def can_change_action_status(user: Person, project: Project, action: Action) -> bool:
    """The owner, a facilitator or a sponsor moves a confirmed action along."""
    return (
        project_permissions.is_active(project)
        and action.confirmed
        and project_permissions.can_view_project(user, project)
        and (is_owner(user, action) or _runs_delivery(user, project))
    )


def can_post_update(user: Person, project: Project, action: Action) -> bool:
    """The owner posts progress on a confirmed action."""
    return (
        project_permissions.is_active(project)
        and action.confirmed
        and project_permissions.can_view_project(user, project)
        and is_owner(user, action)
    )


def can_comment_on_action(user: Person, project: Project) -> bool:
    """Members comment on actions."""
    return project_permissions.is_active(project) and _right(user, project, ProjectRight.COMMENT)


def can_open_review(user: Person, project: Project) -> bool:
    """Facilitators put the recommendations acted on to a review stage's verdict vote."""
    return project_permissions.is_active(project) and _right(user, project, ProjectRight.CONFIGURE)


def can_publish_report(user: Person, project: Project) -> bool:
    """Facilitators publish "You said, we did" as a public page, and withdraw it."""
    return _right(user, project, ProjectRight.CONFIGURE)
