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
        "BALLOT_SECRET_KEY": secrets.token_urlsafe(64),
        "SITE_URL": "https://coproduce.example.org",
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
    ("change", "complaint"),
    [
        ({"SECRET_KEY": "short-but-not-default"}, "SECRET_KEY is too short"),
        ({"BALLOT_SECRET_KEY": None}, "Set BALLOT_SECRET_KEY"),
        ({"BALLOT_SECRET_KEY": "same"}, "BALLOT_SECRET_KEY must differ from SECRET_KEY"),
        ({"BALLOT_SECRET_KEY": "too-short-a-ballot-key"}, "BALLOT_SECRET_KEY is too short"),
        ({"SITE_URL": None}, "Set SITE_URL"),
        ({"HTTPS": "false"}, "HTTPS is off with DEBUG off"),
        (
            {"PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher"},
            "protects no password",
        ),
    ],
)
def test_unsafe_production_settings_are_refused_with_the_reason(
    change: dict[str, str | None], complaint: str
) -> None:
    env = _production_env()
    for name, value in change.items():
        if value is None:
            del env[name]
        elif value == "same":
            env[name] = env["SECRET_KEY"]
        else:
            env[name] = value
    result = _run_manage("check", **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_http_is_allowed_only_when_said_explicitly_and_weak_hashers_only_in_test_runs() -> None:
    env = {**_production_env(), "HTTPS": "false", "ALLOW_HTTP": "true"}
    assert _run_manage("check", **env).returncode == 0
    env["PASSWORD_HASHERS"] = "django.contrib.auth.hashers.MD5PasswordHasher"
    assert _run_manage("check", **env).returncode != 0
    assert _run_manage("check", **env, TEST_RUN="true").returncode == 0


def test_the_development_server_starts_with_no_keys_set_and_keeps_no_connections() -> None:
    show = "from django.db import connection; print(connection.settings_dict['CONN_MAX_AGE'])"
    result = _run_manage("shell", "-c", show, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0"
    result = _run_manage("shell", "-c", show, **_production_env())
    assert result.stdout.strip().splitlines()[-1] == "60", result.stderr


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
