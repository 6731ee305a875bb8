"""Project pages: each loads through an access helper, checks one predicate, and calls a service."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.errors import RuleError
from participants.adapters import INVITED_EMAIL_SESSION_KEY
from projects import permissions, selectors, services
from projects.access import StageContext, project_page, stage_page, two_factor_gate
from projects.forms import InvitationForm, JoinForm, ProjectForm, ProjectSettingsForm, StageForm
from projects.models import Invitation, Role, Stage
from projects.selectors import ProjectAccess

__all__ = ["project_page", "stage_page"]  # used by the other apps' project pages


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _refused(request: HttpRequest, error: RuleError) -> None:
    messages.error(request, str(error))


# --- Creating and showing projects ----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_create_project(request.user))
    refused = two_factor_gate(request, Role.FACILITATOR, come_back_to=request.path)
    if refused is not None:
        return refused
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Your project has been created with the five standard stages. Next, invite people."),
        )
        return redirect(project)
    return render(request, "projects/project_form.html", {"form": form, "creating": True})


@project_page
@require_http_methods(["GET"])
def project_detail(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    stages = selectors.project_stages(project)
    user = request.user
    context = {
        "project": project,
        "access": access,
        "stages": stages,
        "current_stage": selectors.current_stage(stages),
        "constituency_counts": selectors.member_counts_by_constituency(project),
        "role_counts": selectors.role_counts(project),
        "can_configure": permissions.can_configure_project(user, project),
        "can_invite": permissions.can_invite(user, project),
        "can_see_member_list": permissions.can_see_member_list(user, project),
        "can_read_audit_trail": permissions.can_read_audit_trail(user, project),
        "easy_read_first": user.easy_read_first and bool(project.easy_read_summary),
    }
    return render(request, "projects/project_detail.html", context)


@project_page
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_configure_project(request.user, project))
    form = ProjectSettingsForm(
        request.POST or None, instance=selectors.Project.objects.get(pk=project.pk)
    )
    if request.method == "POST" and form.is_valid():
        services.project_update(actor=request.user, project=project, **form.cleaned_data)
        messages.success(request, _("The project's details have been saved."))
        return redirect(project)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


# --- Stages ---------------------------------------------------------------------


@project_page
@require_http_methods(["GET", "POST"])
def stage_create(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    _require(permissions.can_configure_project(request.user, access.project))
    form = StageForm(request.POST or None, initial={"kind": Stage.Kind.OTHER})
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.stage_create(
                actor=request.user, project=access.project, **form.cleaned_data
            )
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The stage has been added at the end of the timeline."))
            return redirect(stage)
    return render(request, "projects/stage_form.html", {"form": form, "project": access.project})


@stage_page
@require_http_methods(["GET", "POST"])
def stage_edit(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(permissions.can_configure_project(request.user, access.project))
    form = StageForm(request.POST or None, instance=Stage.objects.get(pk=stage.pk))
    if request.method == "POST" and form.is_valid():
        values = {
            name: form.cleaned_data[name] for name in form.fields if not form.fields[name].disabled
        }
        try:
            services.stage_update(actor=request.user, stage=stage, **values)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The stage has been saved."))
            return redirect(stage)
    return render(
        request,
        "projects/stage_form.html",
        {"form": form, "project": access.project, "stage": stage},
    )


@stage_page
@require_POST
def stage_move(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(permissions.can_configure_project(request.user, access.project))
    direction = -1 if request.POST.get("direction") == "up" else 1
    services.stage_move(actor=request.user, stage=stage, direction=direction)
    messages.success(request, _("The order of the stages has been changed."))
    return redirect(f"{access.project.get_absolute_url()}#stages")


@stage_page
@require_http_methods(["GET", "POST"])
def stage_delete(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(permissions.can_configure_project(request.user, access.project))
    if request.method == "POST":
        try:
            services.stage_delete(actor=request.user, stage=stage)
        except RuleError as error:
            _refused(request, error)
            return redirect(stage)
        messages.success(request, _("The stage has been removed."))
        return redirect(access.project)
    return render(
        request, "projects/stage_delete.html", {"project": access.project, "stage": stage}
    )


@stage_page
@require_POST
def stage_transition(request: HttpRequest, context: StageContext) -> HttpResponse:
    access, stage = context.access, context.stage
    _require(permissions.can_configure_project(request.user, access.project))
    to_state = request.POST.get("to_state", "")
    if to_state not in Stage.State.values:
        messages.error(request, _("Choose what should happen to the stage."))
        return redirect(stage)
    try:
        services.stage_transition(actor=request.user, stage=stage, to_state=to_state)
    except RuleError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("The stage is now: %(state)s.") % {"state": Stage.State(to_state).label}
        )
    return redirect(stage)


# --- People and invitations -----------------------------------------------------


@project_page
@require_http_methods(["GET"])
def people(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_see_member_list(request.user, project))
    can_invite = permissions.can_invite(request.user, project)
    return render(
        request,
        "projects/people.html",
        {
            "project": project,
            "access": access,
            "memberships": selectors.member_list(project),
            "invitations": selectors.open_invitations(project) if can_invite else [],
            "can_invite": can_invite,
            "can_configure": permissions.can_configure_project(request.user, project),
            "sees_every_group": permissions.can_see_every_group(request.user, project),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_invite(request.user, project))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(actor=request.user, project=project, **form.cleaned_data)
        except RuleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("projects:people", project_id=project.pk)
    return render(request, "projects/invite.html", {"form": form, "project": project})


@project_page
@require_POST
def invitation_revoke(
    request: HttpRequest, access: ProjectAccess, invitation_id: str
) -> HttpResponse:
    _access, invitation = selectors.get_invitation_for_user(
        request.user, access.project.pk, invitation_id
    )
    _require(permissions.can_invite(request.user, access.project))
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except RuleError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The invitation has been withdrawn. The link no longer works."))
    return redirect("projects:people", project_id=access.project.pk)


@project_page
@require_POST
def membership_paid_staff(
    request: HttpRequest, access: ProjectAccess, membership_id: str
) -> HttpResponse:
    """Mark a member as taking part in their paid job, or not (a facilitator's choice)."""
    _access, membership = selectors.get_membership_for_user(
        request.user, access.project.pk, membership_id
    )
    _require(permissions.can_configure_project(request.user, access.project))
    paid_staff = request.POST.get("paid_staff") == "yes"
    try:
        services.membership_paid_staff_set(
            actor=request.user, membership=membership, paid_staff=paid_staff
        )
    except RuleError as error:
        _refused(request, error)
    else:
        words = (
            _("%(name)s takes part in their paid job: they do not claim payments.")
            if paid_staff
            else _("%(name)s no longer marked as taking part in their paid job.")
        )
        messages.success(request, words % {"name": membership.user.display_name})
    return redirect("projects:people", project_id=access.project.pk)


@project_page
@require_http_methods(["GET", "POST"])
def membership_remove(
    request: HttpRequest, access: ProjectAccess, membership_id: str
) -> HttpResponse:
    _access, membership = selectors.get_membership_for_user(
        request.user, access.project.pk, membership_id
    )
    _require(permissions.can_configure_project(request.user, access.project))
    if request.method == "POST":
        try:
            services.membership_end(actor=request.user, membership=membership)
        except RuleError as error:
            _refused(request, error)
        else:
            messages.success(
                request,
                _("%(name)s is no longer in the project.") % {"name": membership.user.display_name},
            )
        return redirect("projects:people", project_id=access.project.pk)
    return render(
        request,
        "projects/membership_remove.html",
        {"project": access.project, "membership": membership},
    )


@project_page
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    if access.membership is None:
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.membership_end(actor=request.user, membership=access.membership)
        except RuleError as error:
            _refused(request, error)
            return redirect(access.project)
        messages.success(
            request,
            _("You have left %(project)s. What you wrote stays, under your display name.")
            % {"project": access.project.title},
        )
        return redirect("home")
    return render(request, "projects/leave.html", {"project": access.project})


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation email links to: sign in or create an account, then join."""
    found = services.invitation_for_token(token)
    if found is None:
        return render(request, "projects/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    problem = services.invitation_problem(found, user)
    context: dict[str, Any] = {"invitation": found, "project": found.project, "token": token}
    if problem == "wrong_account":
        return render(request, "projects/invitation_wrong_account.html", context, status=403)
    if problem:
        context["problem"] = problem
        return render(request, "projects/invitation_unusable.html", context, status=410)
    if user is None:
        # The link came to this address, so it counts as verified if they sign up with it.
        request.session[INVITED_EMAIL_SESSION_KEY] = found.email
        get_account_adapter(request).stash_verified_email(request, found.email)
        here = urlencode({"next": request.path})
        context["login_url"] = f"{reverse('account_login')}?{here}"
        context["signup_url"] = f"{reverse('account_signup')}?{here}"
        return render(request, "projects/invitation_sign_in.html", context)
    return _join(request, found, context, token=token)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_for_you(request: HttpRequest, invitation_id: str) -> HttpResponse:
    """An invitation reached from the home page or a notification, signed in.

    Only the owner of the address it was sent to sees it: anyone else gets a 404.
    """
    found = selectors.get_invitation_for_invitee(request.user, invitation_id)
    problem = services.invitation_problem(found, request.user)
    context: dict[str, Any] = {"invitation": found, "project": found.project}
    if problem:
        context["problem"] = problem
        return render(request, "projects/invitation_unusable.html", context, status=410)
    return _join(request, found, context, invitation_id=found.pk)


def _join(
    request: HttpRequest, found: Invitation, context: dict[str, Any], **which: Any
) -> HttpResponse:
    """The joining form: choose a group (members), accept the ground rules, join."""
    form = JoinForm(
        request.POST or None,
        role=found.role,
        initial={"constituency": found.suggested_constituency or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(actor=request.user, **which, **form.cleaned_data)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            request.session.pop(INVITED_EMAIL_SESSION_KEY, None)
            messages.success(
                request, _("Welcome to %(project)s.") % {"project": found.project.title}
            )
            return redirect(found.project)
    context["form"] = form
    return render(request, "projects/invitation_join.html", context)


@login_required
@require_http_methods(["GET"])
def mfa_required(request: HttpRequest) -> HttpResponse:
    """Explain why facilitators and observers must switch on two-factor authentication."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    return render(request, "projects/mfa_required.html", {"next_url": next_url})
