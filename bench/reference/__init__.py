"""A bare Django view doing a cast's essential work, to measure the portal against.

Served by gunicorn beside the portal (same database, same number of workers): session
sign-in, CSRF, a membership check, one upsert into a table with UNIQUE(stage, voter), one
hash-chained audit row under a row lock, all in one transaction. Nothing else: no
templates, no forms, no rights, no rules. `tables.create` makes its three tables.
"""
