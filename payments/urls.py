from __future__ import annotations

from django.urls import path

from payments import views

app_name = "payments"

_payments = "<str:project_id>/payments/"

urlpatterns = [
    path(_payments, views.overview, name="overview"),
    path(_payments + "policy/", views.policy_edit, name="policy"),
    path(_payments + "activities/new/", views.activity_add, name="activity_add"),
    path(_payments + "activities/<str:activity_id>/rate/", views.rate_add, name="rate_add"),
    path(_payments + "choice/", views.choice, name="choice"),
    path(_payments + "mine/", views.ledger, name="ledger"),
    path(_payments + "mine/statement.csv", views.statement, name="statement"),
    path(_payments + "claims/new/", views.claim_create, name="claim_create"),
    path(_payments + "claims/", views.claims, name="claims"),
    path(_payments + "claims/export/", views.export, name="export"),
    path(_payments + "claims/<str:claim_id>/", views.claim_review, name="claim_review"),
    path(
        "<str:project_id>/meetings/<str:meeting_id>/attendance/",
        views.attendance,
        name="attendance",
    ),
]
