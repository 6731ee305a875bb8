from __future__ import annotations

from django.urls import path

from evidence import views

app_name = "evidence"

_project = "projects/<str:project_id>/"
_stage = _project + "stages/<str:stage_id>/"

urlpatterns = [
    path("organisation/", views.organisation, name="organisation"),
    path(_project + "power-balance/", views.power_balance, name="power_balance"),
    path(_project + "reports/", views.reports, name="reports"),
    path(_project + "reports/<str:report_id>/", views.report, name="report"),
    path(_project + "reports/<str:report_id>/pdf/", views.report_pdf, name="report_pdf"),
    path(_stage + "reflection/", views.reflection, name="reflection"),
    path(
        _stage + "reflection/<str:answer_id>/hide/", views.reflection_hide, name="reflection_hide"
    ),
    path(_stage + "pulse/", views.pulse, name="pulse"),
    path(_stage + "pulse/statements/", views.pulse_statements, name="pulse_statements"),
    path(_stage + "pulse/close/", views.pulse_close, name="pulse_close"),
]
