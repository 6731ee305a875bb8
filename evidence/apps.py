from __future__ import annotations

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"

    def ready(self) -> None:
        # Projects tells the world a stage closed (after commit); evidence opens its pulse.
        from evidence import receivers  # noqa: F401
