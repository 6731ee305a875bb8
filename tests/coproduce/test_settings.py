"""Settings fail loudly on bad values, refuse the default key, and pass `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from coproduce.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def _run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a clean environment holding only what the test gives."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_env() -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "coproduce.example.org",
        "DATABASE_URL": "postgres://coproduce:secret@db.example.org:5432/coproduce",
        "EMAIL_URL": "smtp+tls://portal:secret@smtp.example.org:587",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
    }


def test_default_secret_key_is_refused_when_debug_is_off() -> None:
    env = _production_env()
    del env["SECRET_KEY"]
    result = _run_manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "development default" in result.stderr


def test_check_deploy_passes_with_production_values() -> None:
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", **_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_bad_boolean_stops_start_up_with_its_name() -> None:
    env = _production_env()
    env["DEBUG"] = "maybe"
    result = _run_manage("check", **env)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_without_a_database_url_is_refused() -> None:
    env = _production_env()
    del env["DATABASE_URL"]
    result = _run_manage("check", **env)
    assert result.returncode != 0
    assert "Set DATABASE_URL" in result.stderr


def test_a_database_other_than_postgresql_is_refused() -> None:
    env = _production_env()
    env["DATABASE_URL"] = "sqlite:////tmp/coproduce.sqlite3"
    result = _run_manage("check", **env)
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("Yes", True), ("1", True), ("off", False), ("0", False), ("", False)],
)
def test_env_bool_reads_clear_answers(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("COPRODUCE_FLAG", raw)
    assert env_bool("COPRODUCE_FLAG", not expected) is expected


def test_env_helpers_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPRODUCE_NUMBER", "twelve")
    with pytest.raises(
        ImproperlyConfigured, match="COPRODUCE_NUMBER='twelve' is not a whole number"
    ):
        env_int("COPRODUCE_NUMBER", 3)
    monkeypatch.delenv("COPRODUCE_MISSING", raising=False)
    with pytest.raises(
        ImproperlyConfigured, match="Set the environment variable COPRODUCE_MISSING"
    ):
        env_str("COPRODUCE_MISSING")


def test_env_helpers_use_defaults_and_split_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COPRODUCE_NUMBER", raising=False)
    assert env_int("COPRODUCE_NUMBER", 3) == 3
    monkeypatch.setenv("COPRODUCE_HOSTS", " a.example.org, ,b.example.org ")
    assert env_list("COPRODUCE_HOSTS", []) == ["a.example.org", "b.example.org"]
