"""Start (or reuse) the embedded PostgreSQL in var/ when no DATABASE_URL is set.

pgserver listens on a Unix socket only, so it never clashes with a system
PostgreSQL. The server is left running on purpose (`make stop` stops it): a
process killed by a signal would otherwise leave it orphaned anyway.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

DATABASE_NAME = "coproduce"


def _quiet_runtime_dir() -> None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset; give it a private one.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def embedded_database_settings(data_dir: Path) -> dict[str, object]:
    """Return Django DATABASES['default'] for the embedded server, starting it if needed."""
    _quiet_runtime_dir()
    import pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 (a constant)
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": str(info.port or ""),
    }


def stop_embedded_database(data_dir: Path) -> bool:
    """Stop the embedded server if it runs; return whether it was running."""
    _quiet_runtime_dir()
    if not (data_dir / "postmaster.pid").exists():
        return False
    from pgserver._commands import pg_ctl

    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir, user=_owner(data_dir))
    except subprocess.CalledProcessError:
        return False
    return True


def _owner(data_dir: Path) -> str | None:
    # Run as root, pgserver runs the server as its own OS user `pgserver`.
    return "pgserver" if os.geteuid() == 0 else None


if __name__ == "__main__":
    import sys

    folder = Path(os.environ.get("COPRODUCE_VAR_DIR", "var")) / "pgdata"
    if sys.argv[1:] == ["stop"]:
        stopped = stop_embedded_database(folder)
        print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
    else:
        print("Usage: python -m coproduce.embedded_db stop")
        sys.exit(2)
