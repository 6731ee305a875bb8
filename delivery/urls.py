from __future__ import annotations

from django.urls import path

from delivery import views

app_name = "delivery"

_delivery = "<str:project_id>/delivery/"
_recommendation = _delivery + "recommendations/<str:recommendation_id>/"
_action = _delivery + "actions/<str:action_id>/"

urlpatterns = [
    path(_delivery, views.overview, name="overview"),
    path(_recommendation, views.recommendation, name="recommendation"),
    path(_recommendation + "respond/", views.respond, name="respond"),
    path(_recommendation + "due/", views.response_due, name="response_due"),
    path(_recommendation + "actions/new/", views.action_create, name="action_create"),
    path(_action, views.action, name="action"),
    path(_action + "confirm/", views.action_confirm, name="action_confirm"),
    path(_action + "status/", views.action_status, name="action_status"),
    path(_action + "update/", views.action_update, name="action_update"),
]
