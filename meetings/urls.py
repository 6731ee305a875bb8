from __future__ import annotations

from django.urls import path

from meetings import views

app_name = "meetings"

_meetings = "<str:project_id>/meetings/"
_meeting = _meetings + "<str:meeting_id>/"

urlpatterns = [
    path(_meetings, views.meeting_list, name="list"),
    path(_meetings + "new/", views.meeting_create, name="create"),
    path(_meeting, views.meeting_detail, name="detail"),
    path(_meeting + "change/", views.meeting_edit, name="edit"),
    path(_meeting + "cancel/", views.meeting_cancel, name="cancel"),
    path(_meeting + "calendar.ics", views.meeting_calendar, name="calendar"),
    path(_meeting + "stages/", views.meeting_stages, name="stages"),
    path(_meeting + "minutes/", views.minutes, name="minutes"),
    path(_meeting + "minutes/comment/", views.minutes_comment, name="minutes_comment"),
    path(_meeting + "minutes/agree/", views.minutes_agree, name="minutes_agree"),
]
