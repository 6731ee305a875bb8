"""The reference's tables (made by the bench in its throwaway database, never migrated)."""

from __future__ import annotations

from django.db import connection

BALLOT = "bench_reference_ballot"
EVENT = "bench_reference_event"
CHAIN = "bench_reference_chain"
GENESIS = "0" * 64

_DDL = f"""
CREATE TABLE IF NOT EXISTS {BALLOT} (
    id bigserial PRIMARY KEY,
    stage_id uuid NOT NULL,
    voter_id bigint NOT NULL,
    content jsonb NOT NULL,
    UNIQUE (stage_id, voter_id)
);
CREATE TABLE IF NOT EXISTS bench_reference_chain (
    stage_id uuid PRIMARY KEY,
    sequence bigint NOT NULL,
    hash char(64) NOT NULL
);
CREATE TABLE IF NOT EXISTS {EVENT} (
    id bigserial PRIMARY KEY,
    stage_id uuid NOT NULL,
    sequence bigint NOT NULL,
    actor_id bigint NOT NULL,
    created_at timestamptz NOT NULL,
    previous_hash char(64) NOT NULL,
    hash char(64) NOT NULL,
    UNIQUE (stage_id, sequence)
);
"""


def create(stage_id: object) -> None:
    """Make the tables and the stage's chain head."""
    with connection.cursor() as cursor:
        cursor.execute(_DDL)
        cursor.execute(
            "INSERT INTO bench_reference_chain (stage_id, sequence, hash) VALUES (%s, 0, %s) "
            "ON CONFLICT DO NOTHING",
            [stage_id, GENESIS],
        )


def drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BALLOT}, {EVENT}, bench_reference_chain")
