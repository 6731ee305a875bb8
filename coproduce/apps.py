from __future__ import annotations

from django.apps import AppConfig


class CoproduceConfig(AppConfig):
    name = "coproduce"
    verbose_name = "Co-produce"

    def ready(self) -> None:
        from coproduce.celery import configure_broker

        configure_broker()
        from coproduce.audit import signals  # noqa: F401  (audit events for sign-ins and two-factor changes)
