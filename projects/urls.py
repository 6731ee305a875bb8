from __future__ import annotations

from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("new/", views.project_create, name="create"),
    path("two-factor-needed/", views.mfa_required, name="mfa_required"),
    path(
        "invitations/for-you/<str:invitation_id>/",
        views.invitation_for_you,
        name="invitation_for_you",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("<str:project_id>/", views.project_detail, name="detail"),
    path("<str:project_id>/settings/", views.project_settings, name="settings"),
    path("<str:project_id>/leave/", views.leave, name="leave"),
    path("<str:project_id>/people/", views.people, name="people"),
    path("<str:project_id>/people/invite/", views.invite, name="invite"),
    path(
        "<str:project_id>/people/<str:membership_id>/paid-staff/",
        views.membership_paid_staff,
        name="membership_paid_staff",
    ),
    path(
        "<str:project_id>/people/<str:membership_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "<str:project_id>/invitations/<str:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<str:project_id>/stages/new/", views.stage_create, name="stage_create"),
    path("<str:project_id>/stages/<str:stage_id>/edit/", views.stage_edit, name="stage_edit"),
    path("<str:project_id>/stages/<str:stage_id>/move/", views.stage_move, name="stage_move"),
    path("<str:project_id>/stages/<str:stage_id>/remove/", views.stage_delete, name="stage_delete"),
    path(
        "<str:project_id>/stages/<str:stage_id>/state/",
        views.stage_transition,
        name="stage_transition",
    ),
]
