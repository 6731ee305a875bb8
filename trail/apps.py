from __future__ import annotations

from django.apps import AppConfig


class TrailConfig(AppConfig):
    """The audit trail's pages, exports, describer and background work.

    The trail's core (the event model, `record()`, the chain and its verification)
    stays in `coproduce.audit`, where every app can write to it.
    """

    name = "trail"
    verbose_name = "Audit trail"
