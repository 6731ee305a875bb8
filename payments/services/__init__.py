"""Every write about involvement payments: one transaction each, audited.

- `writes`: the policy, its activities and rates, a member's choice, claims (made by
  attendance or by the member) and their review;
- `files`: the approved claims for finance and a member's own statement, as CSV.
"""

from payments.services.files import claims_export, safe_cell, statement_csv
from payments.services.writes import (
    activity_add,
    attendance_record_with_claims,
    claim_approve,
    claim_make,
    claim_query,
    claims_for_attendance,
    meeting_day,
    money,
    payment_choice_set,
    policy_set,
    rate_in_force,
    rate_set,
)

__all__ = [
    "activity_add",
    "attendance_record_with_claims",
    "claim_approve",
    "claim_make",
    "claim_query",
    "claims_export",
    "claims_for_attendance",
    "meeting_day",
    "money",
    "payment_choice_set",
    "policy_set",
    "rate_in_force",
    "rate_set",
    "safe_cell",
    "statement_csv",
]
