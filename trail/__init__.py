"""The audit trail as people see it: its pages, exports, describer and background work."""
