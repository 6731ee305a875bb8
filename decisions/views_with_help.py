"""Taking part with help: a facilitator records the vote of a member who asked them to
(by phone, on paper, in a meeting) or their proposal or comment, and prints a stage's
ballot paper."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.errors import RuleError
from coproduce.forms import show_refusal
from decisions import counting, permissions, selectors, services
from decisions.forms import HelpedBallotForm, HelpedCommentForm, HelpedProposalForm
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
        member = _member(form.cleaned_data["member"])
        try:
            services.ballot_cast_with_help(
                actor=request.user,
                member=member,
                stage=stage,
                raw=form.raw_ballot(),
                how=form.cleaned_data["how"],
                member_asked=form.cleaned_data["member_asked"],
                options=options,
            )
        except counting.BallotError as error:
            form.add_error(None, str(error))
        except RuleError as error:
            show_refusal(form, error)
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


def _member(user_id: str) -> User:
    """The member chosen in the form (the form's choices are the project's members)."""
    return User.objects.get(pk=user_id)


def _text_with_help(
    request: HttpRequest,
    context: StageContext,
    form: HelpedProposalForm | HelpedCommentForm,
    write: Callable[..., Any],
    *,
    done: str,
    done_url: Callable[[Any], str],
    page: dict[str, Any],
) -> HttpResponse:
    """The shared steps of adding a proposal or a comment for a member: check the form,
    call the service with the member's words, say it is done, or show the form again with
    what was typed and the reason."""
    if request.method == "POST" and form.is_valid():
        member = _member(form.cleaned_data.pop("member"))
        try:
            written = write(actor=request.user, member=member, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, done % {"member": member.display_name})
            return redirect(done_url(written))
    return render(
        request,
        "decisions/with_help_form.html",
        {"project": context.project, "stage": context.stage, "form": form, **page},
    )


@stage_page
@require_http_methods(["GET", "POST"])
def proposal_with_help(request: HttpRequest, context: StageContext) -> HttpResponse:
    """Add a proposal for a member who asked: it is theirs, recorded with help."""
    stage = context.stage
    _require(permissions.can_record_proposal_with_help(request.user, stage))
    form = HelpedProposalForm(
        request.POST or None,
        members=selectors.voting_members(stage),
        how_choices=services.HowAsked.CHOICES,
    )
    return _text_with_help(
        request,
        context,
        form,
        partial(services.proposal_create_with_help, stage=stage),
        done=_("The proposal is added for %(member)s, and they are told."),
        done_url=lambda proposal: proposal.get_absolute_url(),
        page={
            "heading": _("Add a proposal for a member"),
            "button": _("Add this member's proposal"),
            "back": stage.get_absolute_url(),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def comment_with_help(
    request: HttpRequest, context: StageContext, proposal_id: str
) -> HttpResponse:
    """Add a comment for a member who asked: it is theirs, recorded with help."""
    proposal = selectors.get_proposal(context.stage, proposal_id)
    _require(permissions.can_record_comment_with_help(request.user, proposal))
    form = HelpedCommentForm(
        request.POST or None,
        members=selectors.voting_members(context.stage),
        how_choices=services.HowAsked.CHOICES,
    )
    return _text_with_help(
        request,
        context,
        form,
        partial(services.comment_create_with_help, proposal=proposal),
        done=_("The comment is added for %(member)s, and they are told."),
        done_url=lambda comment: f"{proposal.get_absolute_url()}#comments",
        page={
            "proposal": proposal,
            "heading": _("Add a comment for a member"),
            "button": _("Add this member's comment"),
            "back": proposal.get_absolute_url(),
        },
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
