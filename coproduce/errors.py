"""The two refusals every service may raise, for the whole project.

- `RightsError`: the acting person lacks the right (their role does not allow it).
- `RuleError`: the right is there, but the state of things forbids it now (voting has
  opened, the invitation expired...). Its message is written for the person.

Views turn a `RuleError` they expect into a form error; anything that escapes them is
turned into the 403 page or a calm "this could not be done" page by one middleware
(`coproduce.middleware.RefusalMiddleware`), so a refusal never becomes a 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class RightsError(PermissionDenied):
    """The acting person does not hold the right for this (shown as the 403 page)."""


class RuleError(Exception):
    """A rule refused the change now; the message is for the person. `field` names the form
    field it belongs to, when there is one, so a page shows it beside what was typed."""

    def __init__(self, message: object = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
