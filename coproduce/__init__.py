"""Co-produce: a portal for running co-production projects as equals."""

from __future__ import annotations

from coproduce.celery import app as celery_app

__all__ = ["celery_app"]
