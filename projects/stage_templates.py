"""The standard five stages a new project starts from, in plain language.

The reflective questions come from the co-production literature (for example
NCCMH's "Working well together" and the Think Local Act Personal ladder of
co-production) and the James Lind Alliance priority-setting method.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class StageTemplate:
    kind: str
    title: Promise
    description: Promise
    questions: tuple[Promise, ...]
    has_vote: bool = False


STANDARD_STAGES: tuple[StageTemplate, ...] = (
    StageTemplate(
        kind="problem_definition",
        title=_("What should change?"),
        description=_(
            "Before anyone suggests a solution, we agree what the problem is. Share what is "
            "hard, what is missing or what works badly, from your own experience."
        ),
        questions=(
            _("Who defined this problem, and who was not asked?"),
            _("Were people with lived experience involved before any priorities were set?"),
            _("Whose knowledge is missing from this conversation?"),
            _("Is this a problem for the people who use the service, or for the service?"),
        ),
    ),
    StageTemplate(
        kind="priority_setting",
        title=_("What matters most?"),
        description=_(
            "We cannot do everything at once. Each member has one equal vote to choose what "
            "matters most. Votes are secret: nobody can see how you voted."
        ),
        questions=(
            _(
                "Does every group (people with lived experience, carers, clinicians) have an equal say?"
            ),
            _("Are the options written so that everyone can understand them?"),
            _("Were the voting rules agreed before voting started?"),
        ),
        has_vote=True,
    ),
    StageTemplate(
        kind="co_design",
        title=_("How could we do it?"),
        description=_(
            "Together we design the change for the priorities we chose. Every idea is welcome, "
            "and nobody's idea counts more because of their job title."
        ),
        questions=(
            _("Who will this change affect, and have they been part of designing it?"),
            _("What would make this change work for people who find services hard to use?"),
            _("What could go wrong, and for whom?"),
        ),
    ),
    StageTemplate(
        kind="delivery",
        title=_("Doing it together"),
        description=_(
            "We put the change into practice, sharing the work and keeping each other "
            "informed. Say if something is not happening as agreed."
        ),
        questions=(
            _(
                "Are people with lived experience sharing in the work, and are they paid or thanked fairly?"
            ),
            _("Is anything being changed without the group agreeing?"),
            _("Who is responsible for each part, and how will we know it is done?"),
        ),
    ),
    StageTemplate(
        kind="review",
        title=_("Did it work?"),
        description=_(
            "We look back together: did the change make things better, for whom, and what "
            "should we do next?"
        ),
        questions=(
            _("Who decides whether it worked, and by what measure?"),
            _("What did people with lived experience say about the difference it made?"),
            _("How was power shared in this project, and how could we share it better next time?"),
        ),
    ),
)
