"""The reference cast: the essential work of casting a vote, and nothing more."""

from __future__ import annotations

import hashlib
import json
import uuid

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

_MEMBER = """
SELECT 1 FROM projects_membership AS membership
JOIN projects_stage AS stage ON stage.project_id = membership.project_id
WHERE stage.id = %s AND stage.state = 'voting'
  AND membership.user_id = %s AND membership.role = 'member' AND membership.left_at IS NULL
"""


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def cast(request: HttpRequest, stage_id: uuid.UUID) -> HttpResponse:
    """Session sign-in and CSRF (middleware), a membership check, one upsert, one
    hash-chained event under the chain's row lock: one transaction."""
    if not request.user.is_authenticated:
        return HttpResponse("Sign in first.", status=403, content_type="text/plain")
    option = request.POST.get("option", "")
    if not option:
        return HttpResponse("Choose an option.", status=400, content_type="text/plain")
    content = json.dumps({"dots": {option: 1}})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_MEMBER, [stage_id, request.user.pk])
        if cursor.fetchone() is None:
            return HttpResponse("You cannot vote here.", status=403, content_type="text/plain")
        cursor.execute(
            "INSERT INTO bench_reference_ballot (stage_id, voter_id, content)"
            " VALUES (%s, %s, %s::jsonb)"
            "ON CONFLICT (stage_id, voter_id) DO UPDATE SET content = EXCLUDED.content",
            [stage_id, request.user.pk, content],
        )
        cursor.execute(
            "SELECT sequence, hash FROM bench_reference_chain WHERE stage_id = %s FOR UPDATE",
            [stage_id],
        )
        sequence, previous = cursor.fetchone()
        created = timezone.now()
        body = json.dumps(
            [str(stage_id), sequence + 1, request.user.pk, created.isoformat(), previous]
        )
        digest = hashlib.sha256(body.encode()).hexdigest()
        cursor.execute(
            "INSERT INTO bench_reference_event"
            " (stage_id, sequence, actor_id, created_at, previous_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [stage_id, sequence + 1, request.user.pk, created, previous, digest],
        )
        cursor.execute(
            "UPDATE bench_reference_chain SET sequence = %s, hash = %s WHERE stage_id = %s",
            [sequence + 1, digest, stage_id],
        )
    return HttpResponseRedirect(f"/cast/{stage_id}/done")
