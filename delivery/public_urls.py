"""Delivery's one public page: "You said, we did", published by a facilitator (no sign-in)."""

from __future__ import annotations

from django.urls import path

from delivery import views

app_name = "delivery_public"

urlpatterns = [
    path("you-said-we-did/<str:token>/", views.public_you_said, name="you_said"),
]
