"""The audit trail's pages: the full trail (facilitators, observers and sponsors; the
entries about a member's payments for facilitators only), the members' history, checking
the chain, and exports with their download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.audit.verify import chain_head, problem_in_words
from coproduce.text import MAX_BIGINT, parse_bounded_int
from projects import permissions
from projects import selectors as project_selectors
from projects.models import Stage
from projects.selectors import ProjectAccess
from projects.views import project_page
from trail import exports, selectors, services
from trail.forms import FILTER_FIELDS, ExportForm, TrailFilterForm


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _cursor(value: str | None) -> int | None:
    """A paging cursor (an entry's position): ASCII digits within a bigint, else none."""
    return parse_bounded_int(value, minimum=0, maximum=MAX_BIGINT)


def _with(query: str, **extra: object) -> str:
    params = QueryDict(query, mutable=True)
    for name, value in extra.items():
        params[name] = str(value)
    return "?" + params.urlencode()


def _filter_form(
    data: QueryDict, stages: list[Stage], people: selectors.People, *, whole: bool
) -> TrailFilterForm:
    """The filter form, bound only when some filter was given (so no errors at first).
    `whole`: the reader sees the entries only facilitators see, so may filter by them."""
    bound = data if any(data.get(name) for name in FILTER_FIELDS) else None
    return TrailFilterForm(
        bound, stages=stages, people=people.choices, with_facilitator_entries=whole
    )


@project_page
@require_http_methods(["GET"])
def trail(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_read_audit_trail(request.user, project))
    whole = permissions.can_read_facilitator_entries(request.user, project)
    stages = project_selectors.project_stages(project)
    people = selectors.project_people(project)
    form = _filter_form(request.GET, stages, people, whole=whole)
    filters = form.filters(timezone.get_current_timezone_name())
    query = form.query()
    page = selectors.trail_page(
        selectors.events_queryset(project.pk, filters, with_facilitator_entries=whole),
        before=_cursor(request.GET.get("before")),
        after=_cursor(request.GET.get("after")),
    )
    context = selectors.describe_context(project, stages, events=page.events, people=people)
    latest = selectors.latest_verification(project.pk)
    last_result = (
        latest
        if latest is None or not latest.pending
        else selectors.latest_finished_verification(project.pk)
    )
    return render(
        request,
        "trail/trail.html",
        {
            "project": project,
            "access": access,
            "sees_facilitator_entries": whole,
            "form": form,
            "filtered": filters.active,
            "entries": selectors.trail_entries(page.events, context),
            "ballots": selectors.ballot_entries(
                selectors.ballot_days(project.pk, filters, limit=60), context
            ),
            "older_url": _with(query, before=page.older) if page.older else "",
            "newer_url": _with(query, after=page.newer) if page.newer else "",
            "first_page": request.GET.get("before") is None and request.GET.get("after") is None,
            "check_pending": latest is not None and latest.pending,
            "last_check": last_result,
            "last_check_problem": (
                problem_in_words(last_result.problem, last_result.first_bad_sequence)
                if last_result
                else ""
            ),
            "export_form": ExportForm(initial={"query": query}),
            "my_exports": selectors.exports_for(request.user, project.pk),
            "stream_limit": services.stream_limit(),
        },
    )


@project_page
@require_http_methods(["GET"])
def history(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    """What happened in the project, for everyone in it: no names, so nobody is singled out."""
    project = access.project
    stages = project_selectors.project_stages(project)
    page = selectors.trail_page(
        selectors.member_history_queryset(project.pk),
        before=_cursor(request.GET.get("before")),
        after=_cursor(request.GET.get("after")),
    )
    context = selectors.describe_context(project, stages)
    ballots = selectors.ballot_days(project.pk, selectors.TrailFilters(), limit=60)
    return render(
        request,
        "trail/history.html",
        {
            "project": project,
            "access": access,
            "entries": selectors.history_entries(page.events, context),
            "ballots": selectors.ballot_entries(ballots, context),
            "older_url": _with("", before=page.older) if page.older else "",
            "newer_url": _with("", after=page.newer) if page.newer else "",
            "first_page": request.GET.get("before") is None and request.GET.get("after") is None,
            "can_read_audit_trail": permissions.can_read_audit_trail(request.user, project),
        },
    )


@project_page
@require_POST
def verify(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    _require(permissions.can_read_audit_trail(request.user, access.project))
    check = services.trail_verify(actor=request.user, project=access.project)
    if check.pending:
        messages.success(
            request,
            _("The check has started. A long record can take a few minutes: check again soon."),
        )
    elif check.intact:
        messages.success(
            request,
            _("The check is finished: nothing in the record has been changed or removed."),
        )
    else:
        messages.error(
            request,
            _("The check found a problem: %(problem)s.")
            % {"problem": problem_in_words(check.problem, check.first_bad_sequence)},
        )
    return redirect("trail:trail", project_id=access.project.pk)


@project_page
@require_POST
def export(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_read_audit_trail(request.user, project))
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a file type for the export."))
        return redirect("trail:trail", project_id=project.pk)
    stages = project_selectors.project_stages(project)
    filter_form = _filter_form(
        QueryDict(form.cleaned_data["query"]),
        stages,
        selectors.project_people(project),
        whole=permissions.can_read_facilitator_entries(request.user, project),
    )
    filters = filter_form.filters(timezone.get_current_timezone_name())
    export_format = form.cleaned_data["format"]
    requested = services.trail_export(
        actor=request.user, project=project, filters=filters, export_format=export_format
    )
    if requested.job is not None:
        return redirect("trail:export_status", project_id=project.pk, export_id=requested.job.pk)
    return exports.streaming_response(
        project,
        filters,
        up_to=requested.up_to,
        export_format=export_format,
        when=timezone.localtime(),
        with_facilitator_entries=requested.with_facilitator_entries,
    )


@project_page
@require_http_methods(["GET"])
def export_status(request: HttpRequest, access: ProjectAccess, export_id: str) -> HttpResponse:
    _require(permissions.can_read_audit_trail(request.user, access.project))
    job = selectors.get_export_for_user(request.user, access.project.pk, export_id)
    percent = 0
    if job.rows_total:
        percent = min(100, int(job.rows_done * 100 / job.rows_total))
    return render(
        request,
        "trail/export_status.html",
        {"project": access.project, "job": job, "percent": percent},
    )


@project_page
@require_http_methods(["GET"])
def export_download(request: HttpRequest, access: ProjectAccess, export_id: str) -> HttpResponse:
    _require(permissions.can_read_audit_trail(request.user, access.project))
    job = selectors.get_export_for_user(request.user, access.project.pk, export_id)
    path = services.export_file(job)
    if path is None:
        # Expired or not ready: the export's page says which, and what to do.
        return redirect("trail:export_status", project_id=access.project.pk, export_id=job.pk)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=exports.download_name(
            access.project, job.format, timezone.localtime(job.created_at)
        ),
        content_type=exports.CONTENT_TYPES[job.format],
    )
    response["Cache-Control"] = "no-store"
    return response


@project_page
@require_http_methods(["GET"])
def anchors(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    """Where the trail stands now and where it stood at each check: a page observers
    keep or print, so that a trail later shortened inside the database is contradicted
    by something held outside it."""
    project = access.project
    _require(permissions.can_read_audit_trail(request.user, project))
    return render(
        request,
        "trail/anchors.html",
        {
            "project": project,
            "access": access,
            "head": chain_head(project.pk),
            "checks": selectors.recent_anchors(project.pk),
            "decisions": selectors.decision_anchors(project),
            "printed_at": timezone.localtime(),
        },
    )
