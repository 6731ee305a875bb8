"""The evidence pages: power balance, reflection, the pulse, reports and the organisation's
view. Each view starts from `project_page` or `stage_page`, checks a predicate and calls
a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.errors import RuleError
from coproduce.forms import show_refusal
from decisions.forms import ReasonForm
from delivery.selectors import delivery_summaries
from evidence import figures, permissions, selectors, services
from evidence.forms import PulseForm, PulseStatementsForm, ReflectionForm
from evidence.models import Rung
from projects import permissions as project_permissions
from projects.access import StageContext, project_page, stage_page, two_factor_gate
from projects.models import Role
from projects.selectors import ProjectAccess


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@project_page
@require_http_methods(["GET"])
def power_balance(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    """Who did what, per group, beside each group's share of the members."""
    project = access.project
    stages, balance = selectors.power_balance(project)
    return render(
        request,
        "evidence/power_balance.html",
        {
            "project": project,
            "balance": balance,
            "smallest": figures.SMALLEST_GROUP_FLOOR,
            "stage_rows": [
                {"stage": stage, "balance": stage_balance}
                for stage, stage_balance in zip(stages, balance.stages, strict=True)
                if stage.state != stage.State.DRAFT
            ],
            "pulses": selectors.project_pulses(project),
        },
    )


# --- Reflection ------------------------------------------------------------------


@stage_page
@require_http_methods(["GET", "POST"])
def reflection(request: HttpRequest, context: StageContext) -> HttpResponse:
    """A stage's questions with the group's answers, and the form to answer one."""
    stage = context.stage
    found = selectors.pulse_for(stage)
    can_reflect = permissions.can_reflect(request.user, stage, found)
    form = ReflectionForm(request.POST or None, questions=stage.question_list)
    if request.method == "POST":
        _require(can_reflect)
        if form.is_valid():
            try:
                services.reflection_answer_create(
                    actor=request.user,
                    stage=stage,
                    question_number=form.cleaned_data["question"],
                    body=form.cleaned_data["body"],
                    anonymous=form.cleaned_data["shown_as"] == "anonymous",
                )
            except RuleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Thank you. Your answer is shared with the group."))
                return redirect(
                    "evidence:reflection", project_id=stage.project_id, stage_id=stage.pk
                )
    return render(
        request,
        "evidence/reflection.html",
        {
            "project": context.project,
            "stage": stage,
            "questions": selectors.stage_reflections(stage),
            "form": form,
            "can_reflect": can_reflect,
            "reflection_ended": stage.state != stage.State.DRAFT
            and not permissions.reflection_is_open(stage, found),
            "can_moderate": project_permissions.can_moderate(request.user, context.project),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def reflection_hide(request: HttpRequest, context: StageContext, answer_id: str) -> HttpResponse:
    stage = context.stage
    answer = selectors.get_reflection(stage, answer_id)
    _require(permissions.can_hide_reflection(request.user, answer))
    form = ReasonForm(request.POST or None)
    back = reverse(
        "evidence:reflection", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )
    if request.method == "POST" and form.is_valid():
        services.reflection_answer_hide(
            actor=request.user, answer=answer, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The answer is hidden. Everyone sees your reason instead."))
        return redirect(back)
    return render(
        request,
        "decisions/reason_form.html",
        {
            "project": context.project,
            "form": form,
            "back": back,
            "heading": _("Hide this answer"),
            "button": _("Hide the answer"),
        },
    )


# --- The pulse -------------------------------------------------------------------


@stage_page
@require_http_methods(["GET", "POST"])
def pulse(request: HttpRequest, context: StageContext) -> HttpResponse:
    """Answer the stage's pulse (while it is open), or read its results (once closed)."""
    stage = context.stage
    found = selectors.pulse_for(stage)
    answered = selectors.has_answered(found, request.user)
    can_answer = permissions.can_answer_pulse(request.user, found) and not answered
    form = PulseForm(request.POST or None, pulse=found)
    if request.method == "POST":
        _require(can_answer)
        if form.is_valid():
            try:
                services.pulse_answer(
                    actor=request.user,
                    pulse=found,
                    scores=form.scores(),
                    rung=form.cleaned_data.get("rung", ""),
                )
            except RuleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Thank you. Your answer is kept without your name."))
                return redirect("evidence:pulse", project_id=stage.project_id, stage_id=stage.pk)
    result = selectors.pulse_results([found]).get(found.pk) if found.pk else None
    labels = dict(Rung.choices)
    return render(
        request,
        "evidence/pulse.html",
        {
            "project": context.project,
            "stage": stage,
            "pulse": found,
            "form": form,
            "can_answer": can_answer,
            "answered": answered,
            "result": result,
            "statements": selectors.pulse_rows(found, result),
            "ladder": [(labels[rung], share) for rung, share in result.ladder] if result else [],
            "smallest": figures.SMALLEST_GROUP_FLOOR,
            "can_change": permissions.can_change_pulse(request.user, stage),
            "can_close": permissions.can_close_pulse(request.user, found),
        },
    )


@stage_page
@require_http_methods(["GET", "POST"])
def pulse_statements(request: HttpRequest, context: StageContext) -> HttpResponse:
    """Facilitators set the pulse's statements before the stage opens."""
    stage = context.stage
    _require(project_permissions.can_configure_project(request.user, context.project))
    found = selectors.pulse_for(stage)
    can_change = permissions.can_change_pulse(request.user, stage)
    form = PulseStatementsForm(
        request.POST or None,
        initial={"statements": "\n".join(found.statements), "ask_ladder": found.ask_ladder},
    )
    if request.method == "POST":
        _require(can_change)
        if form.is_valid():
            try:
                services.pulse_statements_update(
                    actor=request.user,
                    stage=stage,
                    statements=form.cleaned_data["statements"],
                    ask_ladder=form.cleaned_data["ask_ladder"],
                )
            except RuleError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("Saved. Members will see these when the stage closes."))
                return redirect("evidence:pulse", project_id=stage.project_id, stage_id=stage.pk)
    return render(
        request,
        "evidence/pulse_statements.html",
        {"project": context.project, "stage": stage, "form": form, "can_change": can_change,
         "pulse": found},
    )  # fmt: skip


@stage_page
@require_POST
def pulse_close(request: HttpRequest, context: StageContext) -> HttpResponse:
    stage = context.stage
    found = selectors.pulse_for(stage)
    _require(permissions.can_close_pulse(request.user, found))
    services.pulse_close(actor=request.user, pulse=found)
    messages.success(request, _("The pulse is closed and its answers are sealed."))
    return redirect("evidence:pulse", project_id=stage.project_id, stage_id=stage.pk)


# --- Reports ---------------------------------------------------------------------


@project_page
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    """The reports made so far, and making a new one."""
    project = access.project
    can_make = permissions.can_make_report(request.user, project)
    if request.method == "POST":
        _require(can_make)
        report = services.report_make(actor=request.user, project=project)
        messages.success(request, _("The report is made and kept. It cannot be changed."))
        return redirect("evidence:report", project_id=project.pk, report_id=report.pk)
    return render(
        request,
        "evidence/reports.html",
        {"project": project, "reports": selectors.project_reports(project), "can_make": can_make},
    )


@project_page
@require_http_methods(["GET"])
def report(request: HttpRequest, access: ProjectAccess, report_id: str) -> HttpResponse:
    found = selectors.get_report(access.project, report_id)
    return render(request, "evidence/report.html", {"project": access.project, "report": found})


@project_page
@require_http_methods(["GET"])
def report_pdf(request: HttpRequest, access: ProjectAccess, report_id: str) -> HttpResponse:
    found = selectors.get_report(access.project, report_id)
    response = HttpResponse(bytes(found.pdf), content_type="application/pdf")
    name = f"co-production-report-{found.made_at:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The organisation's view -------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def organisation(request: HttpRequest) -> HttpResponse:
    """The projects the person oversees, each at a glance, with links to their reports.
    Like every observer's and sponsor's page, only in a sign-in that used two factors, and
    only projects whose pages they may see. A fixed number of queries, however many."""
    projects = selectors.observed_projects(request.user)
    if projects:
        refused = two_factor_gate(request, Role.OBSERVER, come_back_to=request.path)
        if refused is not None:
            return refused
    gathered = selectors.gather_many(projects)
    pulses = selectors.pulses_of_projects(projects)
    delivery = delivery_summaries(projects, timezone.localdate())
    rows = []
    for project in projects:
        stages = list(project.stages.all())
        current = next(
            (s for s in stages if s.state in (s.State.OPEN, s.State.VOTING)),
            next((s for s in reversed(stages) if s.state == s.State.CLOSED), None),
        )
        with_records = gathered[project.pk].stages
        balance = figures.power_balance(gathered[project.pk].inputs)
        latest = next(
            (s.decision for s in reversed(with_records) if getattr(s, "decision", None)), None
        )
        voters = sum(latest.turnout.values()) if latest else None
        members = sum(latest.electorate.values()) if latest else None
        proposals = next(figure for figure in balance.figures if figure.name == "proposals")
        rows.append(
            {
                "project": project,
                "current": current,
                "voters": voters,
                "members": members,
                "proposals": proposals,
                "trend": [(row["stage"].title, row["average"]) for row in pulses[project.pk]],
                "delivery": delivery[project.pk],
                "reports": list(project.reports.all())[:3],
            }
        )
    return render(request, "evidence/organisation.html", {"rows": rows})
