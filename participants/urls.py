from __future__ import annotations

from django.urls import path

from participants import views

app_name = "participants"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<uuid:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/emails/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
