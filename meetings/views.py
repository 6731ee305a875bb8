"""Meeting pages: each loads the project through `project_page`, checks one predicate,
and calls a service. What members need is rendered for facilitators only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.errors import RuleError
from coproduce.forms import show_refusal
from meetings import permissions, selectors, services
from meetings.calendar import meeting_ics
from meetings.forms import MeetingForm, MinutesCommentForm, MinutesForm, ReplyForm, StagesFedForm
from meetings.models import Meeting
from projects.access import project_page
from projects.selectors import ProjectAccess


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@project_page
@require_http_methods(["GET"])
def meeting_list(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_see_meetings(request.user, project))
    meetings = list(selectors.meetings_of(project))
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "project": project,
            "upcoming": [m for m in meetings if not m.has_started][::-1],
            "past": [m for m in meetings if m.has_started],
            "can_schedule": permissions.can_schedule_meeting(request.user, project),
        },
    )


@project_page
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    project = access.project
    _require(permissions.can_schedule_meeting(request.user, project))
    form = MeetingForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(
                actor=request.user, project=project, **form.cleaned_data
            )
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The meeting is scheduled and the members are invited."))
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "project": project})


@project_page
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    meeting = selectors.meeting_for(access, meeting_id)
    _require(permissions.can_change_meeting(request.user, meeting))
    form = MeetingForm(
        request.POST or None, instance=Meeting.objects.get(pk=meeting.pk), project=access.project
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The meeting is saved and the members are told."))
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "project": access.project, "meeting": meeting},
    )


@project_page
@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    meeting = selectors.meeting_for(access, meeting_id)
    _require(permissions.can_change_meeting(request.user, meeting))
    if request.method == "POST":
        services.meeting_cancel(actor=request.user, meeting=meeting)
        messages.success(request, _("The meeting is cancelled and the members are told."))
        return redirect(meeting)
    return render(
        request, "meetings/meeting_cancel.html", {"project": access.project, "meeting": meeting}
    )


@project_page
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    """The meeting; members reply here (POST), facilitators see the replies and needs."""
    user, project = request.user, access.project
    meeting = selectors.meeting_for(access, meeting_id)
    _require(permissions.can_see_meetings(user, project))
    can_reply = permissions.can_reply(user, meeting)
    if request.method == "POST":
        _require(can_reply)
    reply = selectors.own_reply(meeting, user) if can_reply else None
    form = ReplyForm(request.POST or None, instance=reply) if can_reply else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.meeting_reply(actor=user, meeting=meeting, **form.cleaned_data)
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Thank you. Your reply is saved."))
            return redirect(meeting)
    can_see_needs = permissions.can_see_needs(user, project)
    is_staff = permissions.can_see_attendance(user, project)
    context = {
        "project": project,
        "meeting": meeting,
        "form": form,
        "can_reply": can_reply,
        "can_change": permissions.can_change_meeting(user, meeting),
        "can_see_needs": can_see_needs,
        "replies": selectors.replies_with_needs(meeting) if can_see_needs else None,
        "reply_counts": selectors.reply_counts(meeting) if is_staff else None,
        "attendance": selectors.attendance_of(meeting) if is_staff else None,
        "own_attendance": selectors.own_attendance(meeting, user),
        "can_record_attendance": permissions.can_record_attendance(user, meeting),
        "can_link_stages": permissions.can_link_stages(user, meeting),
        "fed_stages": list(meeting.fed_stages.order_by("position")),
    }
    return render(request, "meetings/meeting_detail.html", context)


@project_page
@require_http_methods(["GET"])
def meeting_calendar(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    meeting = selectors.meeting_for(access, meeting_id)
    _require(permissions.can_see_meetings(request.user, access.project))
    body = meeting_ics(meeting, site_url=settings.SITE_URL.rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@project_page
@require_http_methods(["GET", "POST"])
def meeting_stages(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    meeting = selectors.meeting_for(access, meeting_id)
    _require(permissions.can_link_stages(request.user, meeting))
    form = StagesFedForm(
        request.POST or None,
        project=access.project,
        initial={"stages": list(meeting.fed_stages.all())},
    )
    if request.method == "POST" and form.is_valid():
        services.meeting_stages_link(
            actor=request.user, meeting=meeting, stages=form.cleaned_data["stages"]
        )
        messages.success(request, _("Saved: the stages this meeting fed."))
        return redirect(meeting)
    return render(
        request,
        "meetings/meeting_stages.html",
        {"form": form, "project": access.project, "meeting": meeting},
    )


@project_page
@require_http_methods(["GET", "POST"])
def minutes(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    """Every version of the minutes with its comments; facilitators save a new version."""
    user = request.user
    meeting = selectors.meeting_for(access, meeting_id)
    _require(permissions.can_see_meetings(user, access.project))
    versions = selectors.minutes_of(meeting)
    can_write = permissions.can_write_minutes(user, meeting)
    if request.method == "POST":
        _require(can_write)
    form = (
        MinutesForm(request.POST or None, initial={"text": versions[0].text if versions else ""})
        if can_write
        else None
    )
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.minutes_write(actor=user, meeting=meeting, text=form.cleaned_data["text"])
        except RuleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("The minutes are saved as a new version."))
            return redirect("meetings:minutes", project_id=access.project.pk, meeting_id=meeting.pk)
    has_minutes = bool(versions)
    can_comment = permissions.can_comment_on_minutes(user, meeting, has_minutes)
    return render(
        request,
        "meetings/minutes.html",
        {
            "project": access.project,
            "meeting": meeting,
            "versions": versions,
            "form": form,
            "comment_form": MinutesCommentForm() if can_comment else None,
            "can_agree": permissions.can_agree_minutes(user, meeting, has_minutes),
        },
    )


@project_page
@require_POST
def minutes_comment(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    user = request.user
    meeting = selectors.meeting_for(access, meeting_id)
    has_minutes = meeting.minutes.exists()
    _require(permissions.can_comment_on_minutes(user, meeting, has_minutes))
    form = MinutesCommentForm(request.POST)
    if form.is_valid():
        services.minutes_comment(actor=user, meeting=meeting, body=form.cleaned_data["body"])
        messages.success(request, _("Your comment is added. Everyone in the project can read it."))
        return redirect("meetings:minutes", project_id=access.project.pk, meeting_id=meeting.pk)
    return render(
        request,
        "meetings/minutes.html",
        {
            "project": access.project,
            "meeting": meeting,
            "versions": selectors.minutes_of(meeting),
            "form": None,
            "comment_form": form,
            "can_agree": False,
        },
    )


@project_page
@require_POST
def minutes_agree(request: HttpRequest, access: ProjectAccess, meeting_id: str) -> HttpResponse:
    meeting = selectors.meeting_for(access, meeting_id)
    _require(permissions.can_agree_minutes(request.user, meeting, meeting.minutes.exists()))
    services.minutes_agree(actor=request.user, meeting=meeting)
    messages.success(request, _("The minutes are marked as agreed."))
    return redirect("meetings:minutes", project_id=access.project.pk, meeting_id=meeting.pk)
