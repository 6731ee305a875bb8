"""Models of the core: the audit trail (kept in coproduce/audit/)."""

from __future__ import annotations

from coproduce.audit.models import AuditEvent

__all__ = ["AuditEvent"]
