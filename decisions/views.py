"""A stage's page, its voting rules, proposals, comments, ballot and decision: each view
starts from one StageContext (`stage_page`), checks a predicate, and calls a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.errors import RuleError
from coproduce.forms import show_refusal
from coproduce.text import MAX_PAGE, parse_bounded_int
from decisions import counting, permissions, selectors, services
from decisions.forms import (
    BallotForm,
    CarryForwardForm,
    CommentForm,
    DecisionNoteForm,
    MergeForm,
    ProposalForm,
    ReasonForm,
    VotingRulesForm,
)
from decisions.models import Comment, Participation, Proposal
from decisions.results import dots_rules
from projects import permissions as project_permissions
from projects.access import StageContext, stage_page
from projects.models import Stage


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _proposals_url(proposal_or_stage: Proposal | Any) -> str:
    stage = getattr(proposal_or_stage, "stage", proposal_or_stage)
    return reverse(
        "decisions:proposals", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )


@stage_page
@require_http_methods(["GET"])
def proposal_list(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    search = request.GET.get("q", "")[:200].replace("\x00", "")
    page_number = parse_bounded_int(request.GET.get("page"), minimum=1, maximum=MAX_PAGE) or 1
    page = selectors.stage_proposals(stage, search=search, page_number=page_number)
    return render(
        request,
        "decisions/proposal_list.html",
        {
            "project": access.project,
            "stage": stage,
            "page": page,
            "search": search,
            "can_propose": permissions.can_propose(request.user, stage),
            "can_propose_with_help": permissions.can_record_proposal_with_help(request.user, stage),
            "can_merge": permissions.can_merge(request.user, stage),
            "can_carry_forward": permissions.can_carry_forward(request.user, stage),
            "own_inactive": selectors.author_own_inactive(stage, request.user),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(permissions.can_propose(request.user, stage))
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                actor=request.user, stage=stage, **form.cleaned_data
            )
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you. Your proposal has been added."))
            return redirect(proposal)
    return render(
        request,
        "decisions/proposal_form.html",
        {"project": access.project, "stage": stage, "form": form},
    )


@stage_page
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, context: StageContext, proposal_id: str) -> HttpResponse:
    access, stage = context.access, context.stage
    proposal = selectors.get_proposal(stage, proposal_id)
    user = request.user
    can_comment = permissions.can_comment(user, proposal)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        _require(can_comment)
        parent = None
        if request.POST.get("parent"):
            parent = selectors.get_comment(proposal, request.POST["parent"])
        if form.is_valid():
            services.comment_create(
                actor=user, proposal=proposal, body=form.cleaned_data["body"], parent=parent
            )
            messages.success(request, _("Your comment has been added."))
            return redirect(f"{proposal.get_absolute_url()}#comments")
    return render(
        request,
        "decisions/proposal_detail.html",
        {
            "project": access.project,
            "stage": proposal.stage,
            "proposal": proposal,
            "show_text": permissions.can_read_proposal_text(user, proposal),
            "origins": selectors.proposal_origins(proposal),
            "merged_from_count": proposal.merged_from.count(),
            "comments": selectors.proposal_comments(proposal),
            "form": form,
            "can_comment": can_comment,
            "can_comment_with_help": permissions.can_record_comment_with_help(user, proposal),
            "can_change": permissions.can_change_proposal(user, proposal),
            "can_moderate": permissions.can_moderate(user, proposal.stage),
            "can_hide": permissions.can_hide_proposal(user, proposal),
            "user_id": user.pk,
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, context: StageContext, proposal_id: str) -> HttpResponse:
    access, stage = context.access, context.stage
    proposal = selectors.get_proposal(stage, proposal_id)
    _require(permissions.can_change_proposal(request.user, proposal))
    form = ProposalForm(
        request.POST or None, initial={"title": proposal.title, "body": proposal.body}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(actor=request.user, proposal=proposal, **form.cleaned_data)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your proposal has been saved."))
            return redirect(proposal)
    return render(
        request,
        "decisions/proposal_form.html",
        {"project": access.project, "stage": proposal.stage, "form": form, "proposal": proposal},
    )


@stage_page
@require_http_methods(["GET", "POST"])
def proposal_withdraw(
    request: HttpRequest, context: StageContext, proposal_id: str
) -> HttpResponse:
    access, stage = context.access, context.stage
    proposal = selectors.get_proposal(stage, proposal_id)
    _require(permissions.can_change_proposal(request.user, proposal))
    if request.method == "POST":
        services.proposal_withdraw(actor=request.user, proposal=proposal)
        messages.success(request, _("Your proposal has been withdrawn."))
        return redirect(_proposals_url(proposal))
    return render(
        request,
        "decisions/confirm.html",
        {
            "project": access.project,
            "back": proposal.get_absolute_url(),
            "heading": _("Withdraw your proposal?"),
            "text": _(
                "It will no longer be shown to others or put to the vote. "
                "The record keeps that you withdrew it."
            ),
            "button": _("Withdraw it"),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def proposal_hide(request: HttpRequest, context: StageContext, proposal_id: str) -> HttpResponse:
    access, stage = context.access, context.stage
    proposal = selectors.get_proposal(stage, proposal_id)
    _require(permissions.can_hide_proposal(request.user, proposal))
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_hide(
                actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"]
            )
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The proposal is hidden. Its author can see why."))
            return redirect(_proposals_url(proposal))
    return render(
        request,
        "decisions/reason_form.html",
        {
            "project": access.project,
            "form": form,
            "back": proposal.get_absolute_url(),
            "heading": _("Hide this proposal"),
            "button": _("Hide the proposal"),
        },
    )


def _comment(stage: Stage, proposal_id: str, comment_id: str) -> Comment:
    return selectors.get_comment(selectors.get_proposal(stage, proposal_id), comment_id)


@stage_page
@require_http_methods(["GET", "POST"])
def comment_edit(
    request: HttpRequest, context: StageContext, proposal_id: str, comment_id: str
) -> HttpResponse:
    access, stage = context.access, context.stage
    comment = _comment(stage, proposal_id, comment_id)
    _require(permissions.can_change_comment(request.user, comment))
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        services.comment_update(actor=request.user, comment=comment, body=form.cleaned_data["body"])
        messages.success(request, _("Your comment has been saved."))
        return redirect(f"{comment.proposal.get_absolute_url()}#comment-{comment.pk}")
    return render(
        request,
        "decisions/comment_form.html",
        {"project": access.project, "form": form, "comment": comment},
    )


@stage_page
@require_http_methods(["GET", "POST"])
def comment_delete(
    request: HttpRequest, context: StageContext, proposal_id: str, comment_id: str
) -> HttpResponse:
    access, stage = context.access, context.stage
    comment = _comment(stage, proposal_id, comment_id)
    _require(permissions.can_change_comment(request.user, comment))
    if request.method == "POST":
        services.comment_delete(actor=request.user, comment=comment)
        messages.success(request, _("Your comment has been deleted."))
        return redirect(f"{comment.proposal.get_absolute_url()}#comments")
    return render(
        request,
        "decisions/confirm.html",
        {
            "project": access.project,
            "back": comment.proposal.get_absolute_url(),
            "heading": _("Delete your comment?"),
            "text": _(
                "Its text will be removed. A note that a comment was deleted stays, "
                "so replies still make sense."
            ),
            "button": _("Delete it"),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def comment_hide(
    request: HttpRequest, context: StageContext, proposal_id: str, comment_id: str
) -> HttpResponse:
    access, stage = context.access, context.stage
    comment = _comment(stage, proposal_id, comment_id)
    _require(permissions.can_moderate(request.user, comment.proposal.stage))
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.comment_hide(
            actor=request.user, comment=comment, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The comment is hidden. Its author can see why."))
        return redirect(f"{comment.proposal.get_absolute_url()}#comments")
    return render(
        request,
        "decisions/reason_form.html",
        {
            "project": access.project,
            "form": form,
            "back": comment.proposal.get_absolute_url(),
            "heading": _("Hide this comment"),
            "button": _("Hide the comment"),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def proposal_merge(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(permissions.can_merge(request.user, stage))
    active = selectors.active_proposals(stage)
    by_id = {str(proposal.pk): proposal for proposal in active}
    form = MergeForm(
        request.POST or None, choices=[(key, proposal.title) for key, proposal in by_id.items()]
    )
    if request.method == "POST" and form.is_valid():
        chosen = [by_id[key] for key in form.cleaned_data["proposals"]]
        try:
            merged = services.proposal_merge(
                actor=request.user,
                stage=stage,
                proposals=chosen,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                note=form.cleaned_data["note"],
            )
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The proposals have been combined."))
            return redirect(merged)
    return render(
        request,
        "decisions/merge_form.html",
        {"project": access.project, "stage": stage, "form": form},
    )


@stage_page
@require_http_methods(["GET", "POST"])
def carry_forward(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(permissions.can_carry_forward(request.user, stage))
    targets = {str(target.pk): target for target in selectors.later_stages(stage)}
    sources = {str(proposal.pk): proposal for proposal in selectors.active_proposals(stage)}
    # A link may choose proposals beforehand (?proposal=<id>, as a recommendation's page does).
    chosen = [key for key in request.GET.getlist("proposal") if key in sources]
    form = CarryForwardForm(
        request.POST or None,
        initial={"proposals": chosen},
        stages=[(key, target.title) for key, target in targets.items()],
        proposals=[(key, proposal.title) for key, proposal in sources.items()],
    )
    if request.method == "POST" and form.is_valid():
        target = targets[form.cleaned_data["to_stage"]]
        target.project = access.project
        try:
            carried = services.proposals_carry_forward(
                actor=request.user,
                from_stage=stage,
                to_stage=target,
                proposals=[sources[key] for key in form.cleaned_data["proposals"]],
            )
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(count)s proposals now start %(stage)s.")
                % {"count": len(carried), "stage": target.title},
            )
            return redirect(_proposals_url(target))
    return render(
        request,
        "decisions/carry_forward_form.html",
        {"project": access.project, "stage": stage, "form": form, "has_targets": bool(targets)},
    )


# --- The stage page and its voting rules ------------------------------------------------


def _next_states(stage: Stage) -> list[tuple[str, str, str]]:
    """The moves a facilitator can make now: (state, button label, the page that does it)."""
    kwargs = {"project_id": stage.project_id, "stage_id": stage.pk}
    move = reverse("projects:stage_transition", kwargs=kwargs)
    if stage.state == Stage.State.DRAFT:
        return [(Stage.State.OPEN, _("Open this stage"), move)]
    if stage.state == Stage.State.OPEN:
        if not stage.has_vote:
            return [(Stage.State.CLOSED, _("Close this stage"), move)]
        return [(Stage.State.VOTING, _("Open voting"), move)]
    if stage.state == Stage.State.VOTING:
        close = reverse("decisions:voting_close", kwargs=kwargs)
        return [(Stage.State.CLOSED, _("Close voting"), close)]
    return []


@stage_page
@require_http_methods(["GET"])
def stage_detail(request: HttpRequest, context: StageContext) -> HttpResponse:
    stage, user = context.stage, request.user
    return render(
        request,
        "decisions/stage_detail.html",
        {
            "project": context.project,
            "access": context.access,
            "stage": stage,
            "rules": services.voting_rules_for(stage) if stage.has_vote else None,
            "can_configure": project_permissions.can_configure_project(user, context.project),
            "can_propose": permissions.can_propose(user, stage),
            "can_comment": permissions.can_comment_in_stage(user, stage),
            "can_vote": permissions.can_vote(user, stage),
            "can_record_with_help": permissions.can_record_vote_with_help(user, stage),
            "can_print_ballot_paper": permissions.can_print_ballot_paper(user, stage),
            "next_states": _next_states(stage),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def voting_rules(request: HttpRequest, context: StageContext) -> HttpResponse:
    """The facilitator's page for the vote's rules: read-only once voting has opened."""
    stage = context.stage
    _require(project_permissions.can_configure_project(request.user, context.project))
    form = VotingRulesForm(
        request.POST or None, instance=services.voting_rules_for(stage), stage=stage
    )
    if request.method == "POST" and form.is_valid():
        values = {
            name: form.cleaned_data[name] for name in form.fields if not form.fields[name].disabled
        }
        try:
            services.voting_rules_update(actor=request.user, stage=stage, **values)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The voting rules have been saved."))
            return redirect(stage)
    return render(
        request,
        "decisions/voting_rules_form.html",
        {"project": context.project, "stage": stage, "form": form},
    )


# --- Voting and the decision -------------------------------------------------------------


@sensitive_post_parameters()  # what was voted never reaches an error report
@stage_page(select_related=("voting_rules",))
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, context: StageContext) -> HttpResponse:
    """The member's ballot: one equal vote, changeable until voting closes."""
    access, stage = context.access, context.stage
    _require(permissions.can_vote(request.user, stage))
    options = services.stage_options(stage)
    dots = dots_rules(stage, len(options)).dots
    if request.method == "POST":
        form = BallotForm(request.POST, stage=stage, options=options, dots=dots)
        if form.is_valid():
            try:
                services.ballot_cast(
                    actor=request.user, stage=stage, raw=form.raw_ballot(), options=options
                )
            except counting.BallotError as error:
                form.add_error(None, str(error))
            except RuleError as error:
                messages.error(request, str(error))
                return redirect(stage)
            else:
                return redirect(
                    "decisions:ballot_recorded", project_id=access.project.pk, stage_id=stage.pk
                )
        # Shown again with what was sent: the stored ballot only says whether they voted.
        has_voted = services.own_ballot(request.user, stage) is not None
    else:
        existing = services.own_ballot(request.user, stage)
        has_voted = existing is not None
        form = BallotForm(
            None,
            stage=stage,
            options=options,
            ballot_content=existing.content if existing else None,
            dots=dots,
        )
    return render(
        request,
        "decisions/ballot.html",
        {
            "project": access.project,
            "stage": stage,
            "form": form,
            "options": options,
            "dots": dots,
            "has_voted": has_voted,
            # Who took part is not secret: a vote recorded by a facilitator is marked so.
            "recorded_with_help": has_voted
            and Participation.objects.filter(
                stage=stage, user=request.user, with_help=True
            ).exists(),
        },
    )


@stage_page
@require_http_methods(["GET"])
def ballot_recorded(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    if services.own_ballot(request.user, stage) is None:
        return redirect(stage)
    return render(
        request,
        "decisions/ballot_recorded.html",
        {
            "project": access.project,
            "stage": stage,
            "can_vote": permissions.can_vote(request.user, stage),
        },
    )


@stage_page
@require_POST
def voting_close(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(project_permissions.can_configure_project(request.user, access.project))
    try:
        services.voting_close(actor=request.user, stage=stage)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect(stage)
    messages.success(request, _("Voting has closed. The decision record is below."))
    return redirect("decisions:decision", project_id=access.project.pk, stage_id=stage.pk)


@stage_page
@require_http_methods(["GET"])
def decision(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    """The decision record: the same page for everyone in the project."""
    context = selectors.decision_page(stage)
    if context is None:
        return render(
            request,
            "decisions/decision_pending.html",
            {"project": access.project, "stage": stage},
        )
    context.update(
        project=access.project,
        stage=stage,
        can_write_note=project_permissions.can_configure_project(request.user, access.project),
        can_read_audit_trail=project_permissions.can_read_audit_trail(request.user, access.project),
    )
    return render(request, "decisions/decision.html", context)


@stage_page
@require_http_methods(["GET", "POST"])
def decision_note(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(project_permissions.can_configure_project(request.user, access.project))
    record = selectors.decision_record(stage)
    if record is None:
        raise Http404
    latest = record.notes.first()
    form = DecisionNoteForm(
        request.POST or None,
        initial={
            "rationale": latest.rationale if latest else "",
            "dissent": latest.dissent if latest else "",
            "next_steps": latest.next_steps if latest else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        services.decision_note_write(actor=request.user, record_=record, **form.cleaned_data)
        messages.success(request, _("Saved. Earlier versions are kept in the record."))
        return redirect("decisions:decision", project_id=access.project.pk, stage_id=stage.pk)
    return render(
        request,
        "decisions/decision_note.html",
        {"project": access.project, "stage": stage, "form": form},
    )
