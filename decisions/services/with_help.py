"""Taking part with help: what a facilitator confirms before recording a proposal, a
comment or a vote for a member who asked them to (by phone, on paper, in a meeting)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from coproduce.errors import RuleError


class HowAsked:
    """How a member asked a facilitator to record something for them."""

    PHONE = "phone"
    PAPER = "paper"
    MEETING = "meeting"
    OTHER = "other"
    CHOICES = (
        (PHONE, _("By phone")),
        (PAPER, _("On paper")),
        (MEETING, _("In a meeting")),
        (OTHER, _("Another way (for example, by letter or through a supporter)")),
    )


def _check_request(*, how: str, member_asked: bool) -> None:
    """The member asked, and how: or a RuleError worded for the facilitator."""
    if not member_asked:
        raise RuleError(
            _("Record something for a member only when they ask you to: tick the box to confirm.")
        )
    if how not in {choice for choice, _label in HowAsked.CHOICES}:
        raise RuleError(_("Say how the member asked you."))
