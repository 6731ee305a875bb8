from __future__ import annotations

from django.urls import path

from bench.reference import views

urlpatterns = [
    path("cast/<uuid:stage_id>/", views.cast, name="reference_cast"),
    path("ping", views.ping, name="reference_ping"),
]
