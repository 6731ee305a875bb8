"""The root URLs: every app's pages under one address space."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from coproduce.site import views
from coproduce.site.admin import add_account_erasure, secure_the_admin

secure_the_admin(admin.site)
add_account_erasure(admin.site)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/data/", views.your_data, name="your_data"),
    path("account/data/download/", views.your_data_download, name="your_data_download"),
    path("account/erase/", views.account_erase_confirm, name="account_erase"),
    path("account/erased/", views.account_erased, name="account_erased"),
    path("account/", include("participants.urls")),
    path("projects/<str:project_id>/record/", include("trail.urls")),
    path("projects/", include("projects.urls")),
    path("projects/", include("decisions.urls")),
    path("projects/", include("delivery.urls")),
    path("projects/", include("meetings.urls")),
    path("projects/", include("payments.urls")),
    path("public/", include("delivery.public_urls")),
    path("", include("evidence.urls")),
    path("admin/", admin.site.urls),
]
