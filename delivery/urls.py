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
    path(_action + "change/", views.action_change, name="action_change"),
    path(_action + "update/", views.action_update, name="action_update"),
    path(_delivery + "review/<str:stage_id>/open/", views.review_open, name="review_open"),
    path(_delivery + "you-said-we-did/", views.you_said, name="you_said"),
    path(_delivery + "you-said-we-did/publish/", views.you_said_publish, name="you_said_publish"),
    path(
        _delivery + "you-said-we-did/withdraw/", views.you_said_withdraw, name="you_said_withdraw"
    ),
]
