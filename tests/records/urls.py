"""The site's URLs with the audit trail's pages, until coproduce/site/urls.py includes them."""

from __future__ import annotations

from django.urls import include, path

from coproduce.site.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("projects/<str:project_id>/record/", include("decisions.records.urls")),
    *[pattern for pattern in site_urlpatterns if "record/" not in str(pattern.pattern)],
]
