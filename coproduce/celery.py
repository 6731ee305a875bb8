"""The Celery app: Redis in production, a broker-less filesystem queue under var/ otherwise."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")

app = Celery("coproduce")
app.config_from_object("django.conf:settings", namespace="CELERY")


def configure_broker() -> None:
    """Point the filesystem transport at its folders (created on first use)."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return
    base = settings.CELERY_FILESYSTEM_BROKER_DIR
    queue = base / "queue"
    processed = base / "processed"
    control = base / "control"
    for folder in (queue, processed, control):
        folder.mkdir(parents=True, exist_ok=True)
    app.conf.broker_transport_options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
        "polling_interval": 0.2,
    }


app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
)
app.autodiscover_tasks()


@beat_init.connect
def stages_catch_up_on_start(sender: object = None, **kwargs: object) -> None:
    """When the scheduler starts (after a deploy, a restart or downtime), move the stages
    whose time has passed at once, rather than at its first tick 30 seconds later."""
    app.send_task("decisions.tasks.stages_advance_due")
