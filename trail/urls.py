"""The audit trail's pages, under projects/<project_id>/record/ (see coproduce/site/urls.py)."""

from __future__ import annotations

from django.urls import path

from trail import views

app_name = "trail"

urlpatterns = [
    path("", views.trail, name="trail"),
    path("history/", views.history, name="history"),
    path("check/", views.verify, name="verify"),
    path("anchors/", views.anchors, name="anchors"),
    path("export/", views.export, name="export"),
    path("exports/<str:export_id>/", views.export_status, name="export_status"),
    path("exports/<str:export_id>/download/", views.export_download, name="export_download"),
]
