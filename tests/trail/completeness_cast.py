"""The small project every write of tests/trail/test_completeness.py is run in, and the
stages and proposals the entries of several apps start from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import decisions.services
from participants.models import User
from projects import services
from projects.models import Project, Stage


@dataclass
class Cast:
    project: Project
    facilitator: User
    member: User


Run = Callable[[], object]


def _first_stage(cast: Cast) -> Stage:
    stage = cast.project.stages.order_by("position").first()
    stage.project = cast.project
    return stage


def _open_stage(cast: Cast, method: str = "dots") -> Stage:
    stage = cast.project.stages.get(position=2)
    decisions.services.voting_rules_update(
        actor=cast.facilitator, stage=stage, voting_method=method
    )
    return services.stage_transition(actor=cast.facilitator, stage=stage, to_state="open")


def _proposal(cast: Cast, stage: Stage | None = None):  # type: ignore[no-untyped-def]
    return decisions.services.proposal_create(
        actor=cast.member, stage=stage or _open_stage(cast), title="Idea", body="Why"
    )


def _voting_stage(cast: Cast) -> Stage:
    stage = _open_stage(cast)
    _proposal(cast, stage)
    return services.stage_transition(actor=cast.facilitator, stage=stage, to_state="voting")


first_stage, open_stage, proposal, voting_stage = (
    _first_stage,
    _open_stage,
    _proposal,
    _voting_stage,
)
