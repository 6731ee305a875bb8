"""The delivery pages of a project: recommendations, the organisation's responses and the
delivery actions. Each view starts from `project_page`, checks a predicate, and calls a
service; a rule's refusal is shown beside the field, keeping what was typed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.errors import RuleError
from coproduce.forms import show_refusal
from delivery import permissions, selectors, services
from delivery.forms import (
    ActionChangeForm,
    ActionForm,
    ActionStatusForm,
    ActionUpdateForm,
    CommentForm,
    ResponseDueForm,
    ResponseForm,
)
from delivery.models import PublicReport
from delivery.rules import next_statuses
from projects import permissions as project_permissions
from projects.access import project_page
from projects.selectors import ProjectAccess


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@project_page
@require_http_methods(["GET"])
def overview(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project, user = access.project, request.user
    today = timezone.localdate()
    recommendations = selectors.project_recommendations(project, today)
    return render(
        request,
        "delivery/overview.html",
        {
            "project": project,
            "recommendations": recommendations,
            # Facilitators are told when nobody can respond: the project has no sponsor.
            "needs_sponsor": project_permissions.can_invite(user, project)
            and any(row.current is None for row in recommendations)
            and not selectors.has_sponsor(project),
            "summary": selectors.delivery_summary(project, today),
            "can_respond": permissions.can_respond(user, project),
            "review_stages": selectors.review_stages(project)
            if permissions.can_open_review(user, project)
            else [],
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def recommendation(
    request: HttpRequest, access: ProjectAccess, recommendation_id: str
) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_recommendation(project, recommendation_id, timezone.localdate())
    can_comment = permissions.can_comment_on_recommendation(user, project, found.current)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        _require(can_comment)
        if form.is_valid():
            try:
                services.recommendation_comment_create(
                    actor=user, recommendation=found, body=form.cleaned_data["body"]
                )
            except RuleError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("Your comment has been added."))
                return redirect(f"{found.get_absolute_url()}#comments")
    return render(
        request,
        "delivery/recommendation.html",
        {
            "project": project,
            "recommendation": found,
            "form": form,
            "can_comment": can_comment,
            "can_respond": permissions.can_respond(user, project),
            "can_set_due": permissions.can_set_response_due(user, project),
            "can_propose_action": permissions.can_propose_action(user, project, found.current),
            "can_take_back": permissions.can_take_back(user, project, found.current),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, access: ProjectAccess, recommendation_id: str) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_recommendation(project, recommendation_id, timezone.localdate())
    _require(permissions.can_respond(user, project))
    initial: dict[str, Any] = {}
    if found.current is not None:
        initial = {
            "answer": found.current.answer,
            "reasons": found.current.reasons,
            "next_steps": found.current.next_steps,
        }
    form = ResponseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_write(actor=user, recommendation=found, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Your response is published. The group has been told."))
            return redirect(found)
    return render(
        request,
        "delivery/respond.html",
        {"project": project, "recommendation": found, "form": form},
    )


@project_page
@require_http_methods(["GET", "POST"])
def response_due(
    request: HttpRequest, access: ProjectAccess, recommendation_id: str
) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_recommendation(project, recommendation_id, timezone.localdate())
    _require(permissions.can_set_response_due(user, project))
    form = ResponseDueForm(request.POST or None, initial={"response_due_on": found.response_due_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.response_due_set(
                actor=user, recommendation=found, due_on=form.cleaned_data["response_due_on"]
            )
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The date the response is due has been saved."))
            return redirect(found)
    return render(
        request,
        "delivery/response_due.html",
        {"project": project, "recommendation": found, "form": form},
    )


@project_page
@require_http_methods(["GET", "POST"])
def action_create(
    request: HttpRequest, access: ProjectAccess, recommendation_id: str
) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_recommendation(project, recommendation_id, timezone.localdate())
    _require(permissions.can_propose_action(user, project, found.current))
    form = ActionForm(request.POST or None, people=selectors.possible_owners(project))
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_propose(actor=user, recommendation=found, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            if action.confirmed:
                messages.success(request, _("The action is added and confirmed."))
            else:
                messages.success(
                    request,
                    _("Thank you. Your action is proposed: a facilitator or sponsor confirms it."),
                )
            return redirect(action)
    return render(
        request,
        "delivery/action_form.html",
        {
            "project": project,
            "recommendation": found,
            "form": form,
            "confirms": permissions.can_confirm_actions(user, project),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, access: ProjectAccess, action_id: str) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_action(project, action_id, timezone.localdate())
    can_comment = permissions.can_comment_on_action(user, project)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        _require(can_comment)
        if form.is_valid():
            try:
                services.action_comment_create(
                    actor=user, action=found, body=form.cleaned_data["body"]
                )
            except RuleError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("Your comment has been added."))
                return redirect(f"{found.get_absolute_url()}#comments")
    return render(
        request,
        "delivery/action.html",
        {
            "project": project,
            "action": found,
            "form": form,
            "can_comment": can_comment,
            "can_confirm": permissions.can_confirm_action(user, project, found),
            "can_change_status": permissions.can_change_action_status(user, project, found),
            "can_change": permissions.can_change_action(user, project, found),
            "can_post_update": permissions.can_post_update(user, project, found),
        },
    )


@project_page
@require_POST
def action_confirm(request: HttpRequest, access: ProjectAccess, action_id: str) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_action(project, action_id, timezone.localdate())
    _require(permissions.can_confirm_action(user, project, found))
    try:
        services.action_confirm(actor=user, action=found)
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The action is confirmed. Its owner has been told."))
    return redirect(found)


@project_page
@require_http_methods(["GET", "POST"])
def action_status(request: HttpRequest, access: ProjectAccess, action_id: str) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_action(project, action_id, timezone.localdate())
    _require(permissions.can_change_action_status(user, project, found))
    form = ActionStatusForm(request.POST or None, offered=next_statuses(found.status))
    if request.method == "POST" and form.is_valid():
        try:
            services.action_status_change(actor=user, action=found, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The action's status has been saved."))
            return redirect(found)
    return render(
        request, "delivery/action_status.html", {"project": project, "action": found, "form": form}
    )


@project_page
@require_http_methods(["GET", "POST"])
def action_change(request: HttpRequest, access: ProjectAccess, action_id: str) -> HttpResponse:
    """A facilitator or sponsor gives an unfinished action another owner or due date."""
    project, user = access.project, request.user
    found = selectors.get_action(project, action_id, timezone.localdate())
    _require(permissions.can_change_action(user, project, found))
    form = ActionChangeForm(
        request.POST or None,
        people=selectors.possible_owners(project),
        initial={"owner": str(found.owner_id), "due_on": found.due_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_change(actor=user, action=found, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The action's owner and due date are saved."))
            return redirect(found)
    return render(
        request, "delivery/action_change.html", {"project": project, "action": found, "form": form}
    )


@project_page
@require_http_methods(["GET", "POST"])
def action_update(request: HttpRequest, access: ProjectAccess, action_id: str) -> HttpResponse:
    project, user = access.project, request.user
    found = selectors.get_action(project, action_id, timezone.localdate())
    _require(permissions.can_post_update(user, project, found))
    form = ActionUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update_post(actor=user, action=found, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Your update has been posted."))
            return redirect(f"{found.get_absolute_url()}#updates")
    return render(
        request, "delivery/action_update.html", {"project": project, "action": found, "form": form}
    )


# --- The review and "You said, we did" ---------------------------------------------------


@project_page
@require_POST
def review_open(request: HttpRequest, access: ProjectAccess, stage_id: str) -> HttpResponse:
    """The facilitator puts the recommendations acted on to a review stage's verdict vote."""
    project = access.project
    _require(permissions.can_open_review(request.user, project))
    stage = next(
        (found for found in selectors.review_stages(project) if str(found.pk) == stage_id), None
    )
    if stage is None:
        raise Http404
    stage.project = project
    try:
        made = services.review_options_create(actor=request.user, stage=stage)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("delivery:overview", project_id=project.pk)
    messages.success(
        request,
        ngettext(
            "%(count)s recommendation is now an option of the review's verdict vote. "
            "Open voting when the group is ready.",
            "%(count)s recommendations are now options of the review's verdict vote. "
            "Open voting when the group is ready.",
            len(made),
        )
        % {"count": len(made)}
        if made
        else _("Every recommendation acted on is already in the review's vote."),
    )
    return redirect(stage)


@project_page
@require_http_methods(["GET"])
def you_said(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    """ "You said, we did": every recommendation's trail, for everyone in the project."""
    project, user = access.project, request.user
    report = PublicReport.objects.filter(project=project).first()
    return render(
        request,
        "delivery/you_said.html",
        {
            "project": project,
            "items": selectors.report_items(project),
            "report": report,
            "can_publish": permissions.can_publish_report(user, project),
            "public": False,
        },
    )


@project_page
@require_POST
def you_said_publish(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    _require(permissions.can_publish_report(request.user, access.project))
    services.report_publish(actor=request.user, project=access.project)
    messages.success(
        request,
        _("The public page is published. Anyone with its address can read it, without signing in."),
    )
    return redirect("delivery:you_said", project_id=access.project.pk)


@project_page
@require_POST
def you_said_withdraw(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    _require(permissions.can_publish_report(request.user, access.project))
    services.report_withdraw(actor=request.user, project=access.project)
    messages.success(request, _("The public page is withdrawn. Its address no longer works."))
    return redirect("delivery:you_said", project_id=access.project.pk)


@require_http_methods(["GET"])
def public_you_said(request: HttpRequest, token: str) -> HttpResponse:
    """The public "You said, we did": no sign-in, no names, no small groups; 404 unless
    published under this very address."""
    report = selectors.public_report(token)
    return render(
        request,
        "delivery/you_said_public.html",
        {
            "project": report.project,
            "items": selectors.report_items(report.project, with_people=False),
            "public": True,
        },
    )
