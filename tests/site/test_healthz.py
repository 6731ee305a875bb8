"""GET /healthz reports the database and the broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coproduce.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Point the Celery app at a port where nothing listens (a real refused connection)."""
    original = celery_app.conf.broker_url, celery_app.conf.broker_write_url
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = "redis://127.0.0.1:9/0"
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_write_url = original


def test_healthz_answers_200_when_database_and_broker_answer(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_broker_does_not(client, broker_down: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}


def test_healthz_refuses_other_methods(client) -> None:
    assert client.post("/healthz").status_code == 405
