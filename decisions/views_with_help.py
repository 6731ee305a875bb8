"""Taking part with help: a facilitator records the vote of a member who asked them to
(by phone, on paper, in a meeting), and prints a stage's ballot paper."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.errors import RuleError
from decisions import counting, permissions, selectors, services
from decisions.forms import HelpedBallotForm
from decisions.results import dots_rules
from participants.models import User
from projects.access import StageContext, stage_page


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@stage_page(select_related=("voting_rules",))
@require_http_methods(["GET", "POST"])
def ballot_with_help(request: HttpRequest, context: StageContext) -> HttpResponse:
    """Record a member's vote at their request. The form never shows an earlier vote."""
    stage = context.stage
    _require(permissions.can_record_vote_with_help(request.user, stage))
    options = services.stage_options(stage)
    dots = dots_rules(stage, len(options)).dots
    members = selectors.voting_members(stage)
    form = HelpedBallotForm(
        request.POST or None,
        stage=stage,
        options=options,
        dots=dots,
        members=members,
        how_choices=services.HowAsked.CHOICES,
    )
    if request.method == "POST" and form.is_valid():
        member = User.objects.filter(pk=form.cleaned_data["member"]).first()
        try:
            if member is None:
                raise RuleError(_("That person is not a member who can vote in this stage."))
            services.ballot_cast_with_help(
                actor=request.user,
                member=member,
                stage=stage,
                raw=form.raw_ballot(),
                how=form.cleaned_data["how"],
                member_asked=form.cleaned_data["member_asked"],
                options=options,
            )
        except (counting.BallotError, RuleError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "The vote for %(member)s is recorded. They are told, and they can change "
                    "it themselves until voting closes."
                )
                % {"member": member.display_name},
            )
            return redirect("decisions:ballot_with_help", context.project.pk, stage.pk)
    return render(
        request,
        "decisions/ballot_with_help.html",
        {"project": context.project, "stage": stage, "form": form, "dots": dots},
    )


@stage_page(select_related=("voting_rules",))
@require_GET
def ballot_paper(request: HttpRequest, context: StageContext) -> HttpResponse:
    """A ballot paper to print for members who vote on paper: options and plain
    instructions, no names."""
    stage = context.stage
    _require(permissions.can_print_ballot_paper(request.user, stage))
    options = services.stage_options(stage)
    return render(
        request,
        "decisions/ballot_paper.html",
        {
            "project": context.project,
            "stage": stage,
            "options": options,
            "dots": dots_rules(stage, len(options)).dots,
            "places": range(1, len(options) + 1),
        },
    )
