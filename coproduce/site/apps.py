from __future__ import annotations

from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site layer as an app, so it holds its templates and management commands."""

    name = "coproduce.site"
    label = "site"
    verbose_name = "Co-produce site"
