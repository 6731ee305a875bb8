"""The append-only, hash-chained audit trail every app writes to through `record()`."""
