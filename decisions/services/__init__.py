"""Every write about proposals, comments, ballots and decisions: one transaction each, audited.

The services live in modules by concern and are all exported from here, so callers
keep importing them from `decisions.services`:

- `proposals`: proposals and comments, moderation, merging, carrying forward;
- `ballots`: the options of a vote, casting a ballot, the member's participation;
- `decisions`: closing a vote, the decision record and its notes;
- `voting`: the vote's rules (whether a stage has a vote, and how it is run);
- `schedule`: `stages_advance`, moving stages whose time has come;
- `retention`: deleting who-voted rows a set time after a project closes.
"""

from __future__ import annotations

from coproduce.errors import RightsError, RuleError
from decisions.rules import voting_rules_for
from decisions.services.ballots import (
    ballot_cast,
    ballot_cast_with_help,
    own_ballot,
    stage_options,
    validate_ballot,
    voter_key,
)
from decisions.services.decisions import (
    decision_note_write,
    electorate_at_opening,
    voting_close,
)
from decisions.services.proposals import (
    comment_create,
    comment_create_with_help,
    comment_delete,
    comment_hide,
    comment_update,
    proposal_create,
    proposal_create_with_help,
    proposal_hide,
    proposal_merge,
    proposal_update,
    proposal_withdraw,
    proposals_carry_forward,
)
from decisions.services.retention import participations_delete_after_close
from decisions.services.schedule import stages_advance
from decisions.services.voting import voting_rules_update
from decisions.services.with_help import HowAsked

__all__ = [
    "HowAsked",
    "RightsError",
    "RuleError",
    "ballot_cast",
    "ballot_cast_with_help",
    "comment_create",
    "comment_create_with_help",
    "comment_delete",
    "comment_hide",
    "comment_update",
    "decision_note_write",
    "electorate_at_opening",
    "own_ballot",
    "participations_delete_after_close",
    "proposal_create",
    "proposal_create_with_help",
    "proposal_hide",
    "proposal_merge",
    "proposal_update",
    "proposal_withdraw",
    "proposals_carry_forward",
    "stage_options",
    "stages_advance",
    "validate_ballot",
    "voter_key",
    "voting_close",
    "voting_rules_for",
    "voting_rules_update",
]
