from __future__ import annotations

from django.urls import path

from participants import views

app_name = "participants"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
]
