from __future__ import annotations

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"

    def ready(self) -> None:
        # A committed decision record becomes recommendations (decisions cannot call
        # delivery: it only announces the record). The receiver hands it to a service.
        from decisions.signals import decision_recorded
        from delivery.receivers import recommendations_on_decision

        decision_recorded.connect(recommendations_on_decision, dispatch_uid="delivery")
