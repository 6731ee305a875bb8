"""Payment pages. A member sees only their own choice and claims; facilitators see the
claims to review and export them. Each view loads the project through `project_page`,
checks one predicate, and calls a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.errors import RuleError
from coproduce.forms import show_refusal
from coproduce.text import MAX_BIGINT, parse_bounded_int
from meetings import permissions as meeting_permissions
from meetings import selectors as meeting_selectors
from meetings.forms import AttendanceForm
from payments import permissions, selectors, services
from payments.forms import (
    GOV_UK_BENEFITS_ADVICE,
    NIHR_PAYMENT_GUIDANCE,
    ActivityForm,
    ChoiceForm,
    ClaimForm,
    PolicyForm,
    RateForm,
    ReviewForm,
)
from payments.models import Activity, Choice, Claim, PaymentPolicy
from projects.access import project_page
from projects.selectors import ProjectAccess


def parse_id(value: object) -> int:
    number = parse_bounded_int(value, minimum=1, maximum=MAX_BIGINT)
    if number is None:
        raise Http404
    return number


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _overview(access: ProjectAccess) -> HttpResponse:
    return redirect("payments:overview", project_id=access.project.pk)


@project_page
@require_http_methods(["GET"])
def overview(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    user, project = request.user, access.project
    _require(permissions.can_see_policy(user, project))
    policy = selectors.policy_with_rates(project)
    is_member = permissions.can_choose_payment(user, project)
    choice = selectors.own_choice(user, project) if is_member else ""
    return render(
        request,
        "payments/overview.html",
        {
            "project": project,
            "policy": policy,
            "is_member": is_member,
            "choice_label": Choice(choice).label if choice else "",
            "can_claim": permissions.can_claim(user, project, policy),
            "can_set_policy": permissions.can_set_policy(user, project),
            "can_review": permissions.can_review_claims(user, project),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_set_policy(request.user, project))
    current = PaymentPolicy.objects.filter(project=project).first()
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in PolicyForm.Meta.fields}
        try:
            services.policy_set(actor=request.user, project=project, **values)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The payment policy is saved."))
            return _overview(access)
    return render(
        request,
        "payments/form.html",
        {
            "project": project,
            "form": form,
            "heading": _("The payment policy"),
            "intro": _(
                "Agree it before involvement starts. Members can claim for activities "
                "between these dates."
            ),
            "button": _("Save the policy"),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def activity_add(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_set_policy(request.user, project))
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_add(actor=request.user, project=project, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The activity and its rate are added."))
            return _overview(access)
    return render(
        request,
        "payments/form.html",
        {
            "project": project,
            "form": form,
            "heading": _("Add a paid activity"),
            "intro": _("For example meetings at £27.50 an hour, or reviewing at £30 a session."),
            "button": _("Add the activity"),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def rate_add(request: HttpRequest, access: ProjectAccess, activity_id: str) -> HttpResponse:
    project = access.project
    _require(permissions.can_set_policy(request.user, project))
    number = parse_id(activity_id)
    activity = Activity.objects.filter(pk=number, policy__project=project).first()
    if activity is None:
        raise Http404
    activity.policy.project = project
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_set(actor=request.user, activity=activity, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The new rate is saved. Earlier rates are kept."))
            return _overview(access)
    return render(
        request,
        "payments/form.html",
        {
            "project": project,
            "form": form,
            "heading": _("A new rate for %(activity)s") % {"activity": activity.name},
            "intro": _(
                "Rates are never changed: a new rate starts on the day you choose, and "
                "claims before that day keep the earlier rate."
            ),
            "button": _("Save the new rate"),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def choice(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    user, project = request.user, access.project
    _require(permissions.can_choose_payment(user, project))
    form = ChoiceForm(
        request.POST or None, initial={"choice": selectors.own_choice(user, project) or None}
    )
    if request.method == "POST" and form.is_valid():
        services.payment_choice_set(actor=user, project=project, choice=form.cleaned_data["choice"])
        messages.success(request, _("Your choice is saved. You can change it at any time."))
        return _overview(access)
    return render(
        request,
        "payments/choice.html",
        {
            "project": project,
            "form": form,
            "benefits_advice": GOV_UK_BENEFITS_ADVICE,
            "nihr_guidance": NIHR_PAYMENT_GUIDANCE,
        },
    )


@project_page
@require_http_methods(["GET"])
def ledger(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    user, project = request.user, access.project
    _require(permissions.can_see_own_ledger(user, project))
    return render(
        request,
        "payments/ledger.html",
        {"project": project, "ledger": selectors.ledger(user, project), "today": timezone.now()},
    )


@project_page
@require_http_methods(["GET"])
def statement(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    _require(permissions.can_see_own_ledger(request.user, access.project))
    body = services.statement_csv(actor=request.user, project=access.project)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="involvement-statement.csv"'
    return response


@project_page
@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    user, project = request.user, access.project
    policy = PaymentPolicy.objects.filter(project=project).first()
    _require(permissions.can_claim(user, project, policy))
    form = ClaimForm(request.POST or None, project=project, policy=policy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_make(
                actor=user,
                project=project,
                kind=data["kind"],
                on=data["on"],
                description=data["description"],
                activity=data["activity"],
                quantity=data["quantity"],
                amount=data["amount"],
                meeting=data["meeting"],
            )
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Your claim is sent. A facilitator will look at it."))
            return redirect("payments:ledger", project_id=project.pk)
    return render(request, "payments/claim_form.html", {"project": project, "form": form})


@project_page
@require_http_methods(["GET"])
def claims(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_review_claims(request.user, project))
    return render(
        request,
        "payments/claims.html",
        {"project": project, "claims": selectors.claims_to_review(project)},
    )


@project_page
@require_http_methods(["GET", "POST"])
def claim_review(request: HttpRequest, access: ProjectAccess, claim_id: str) -> HttpResponse:
    user, project = request.user, access.project
    _require(permissions.can_review_claims(user, project))
    claim = (
        Claim.objects.filter(project=project, pk=parse_id(claim_id))
        .select_related("claimant", "rate", "activity")
        .first()
    )
    if claim is None:
        raise Http404
    can_review = permissions.can_review_claim(user, project, claim)
    if request.method == "POST":
        _require(can_review)
    form = ReviewForm(request.POST or None) if can_review else None
    if form is not None and request.method == "POST" and form.is_valid():
        review = (
            services.claim_approve
            if form.cleaned_data["decision"] == "approve"
            else services.claim_query
        )
        try:
            review(actor=user, project=project, claim=claim, reason=form.cleaned_data["reason"])
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Saved. The member is told."))
            return redirect("payments:claims", project_id=project.pk)
    chosen = selectors.own_choice(claim.claimant, project)
    return render(
        request,
        "payments/claim_review.html",
        {
            "project": project,
            "claim": claim,
            "form": form,
            "paid_as": Choice(chosen).label if chosen else _("Not chosen yet"),
        },
    )


@project_page
@require_POST
def export(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    _require(permissions.can_export_claims(request.user, access.project))
    body = services.claims_export(actor=request.user, project=access.project)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="approved-claims.csv"'
    return response


@project_page
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    """Who came to a meeting; saving it makes the claims members' attendance earns."""
    meeting = meeting_selectors.meeting_for(access, meeting_id)
    _require(meeting_permissions.can_record_attendance(request.user, meeting))
    people = meeting_selectors.people_in(access.project)
    current = {row.user_id: row.mode for row in meeting_selectors.attendance_of(meeting)}
    form = AttendanceForm(request.POST or None, people=people, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.attendance_record_with_claims(
                actor=request.user, meeting=meeting, present=form.present()
            )
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                _("Attendance is saved. Claims made for members who came: %(count)s.")
                % {"count": len(made)},
            )
            return redirect(meeting)
    return render(
        request,
        "payments/attendance.html",
        {"project": access.project, "meeting": meeting, "form": form},
    )
