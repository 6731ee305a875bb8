"""A project with history: a first stage whose ideas were merged and carried into a voted
second stage, both closed, three members in each group."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from decisions import services as decision_services
from decisions.models import Proposal
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import join
from tests.factories import UserFactory

GROUPS = ("lived_experience", "carer", "clinician")


@dataclass
class Scene:
    project: Project
    facilitator: User
    members: dict[str, list[User]]
    first: Stage
    second: Stage

    @property
    def everyone(self) -> list[User]:
        return [person for people in self.members.values() for person in people]


def more_members(project: Project, per_group: int, start: int = 0) -> dict[str, list[User]]:
    people: dict[str, list[User]] = {group: [] for group in GROUPS}
    for number in range(per_group):
        for group in GROUPS:
            person = UserFactory(
                email=f"{group}{start + number}@example.org",
                display_name=f"{group.title().replace('_', ' ')} {start + number}",
            )
            join(project, person, "member", group)
            people[group].append(User.objects.get(pk=person.pk))
    return people


def build_scene(
    project: Project,
    facilitator: User,
    cast: dict[str, User],
    capture,  # type: ignore[no-untyped-def]
    *,
    close_second: bool = True,
) -> Scene:
    members = more_members(project, 2)
    for group, person in cast.items():
        members[group].insert(0, person)
    first = project.stages.get(position=1)
    first = project_services.stage_transition(actor=facilitator, stage=first, to_state="open")
    ideas = {
        group: [
            # Titles name no one: the report shows what members wrote, and the journey
            # checks it shows no one's name.
            decision_services.proposal_create(
                actor=person, stage=first, title=f"A {group} idea, number {number}", body="Why."
            )
            for number, person in enumerate(people, start=1)
        ]
        for group, people in members.items()
    }
    # Two lived-experience ideas and one clinician's say the same: merged into one.
    merged = decision_services.proposal_merge(
        actor=facilitator,
        stage=first,
        proposals=[*ideas["lived_experience"][:2], ideas["clinician"][0]],
        title="Someone to talk to at night",
        body="Combined.",
        note="Same idea.",
    )
    with capture(execute=True):
        first = project_services.stage_transition(actor=facilitator, stage=first, to_state="closed")
    second = project.stages.get(position=2)
    decision_services.voting_rules_update(actor=facilitator, stage=second, voting_method="dots")
    carried = decision_services.proposals_carry_forward(
        actor=facilitator,
        from_stage=first,
        to_stage=second,
        proposals=[merged, ideas["carer"][0]],
    )
    second = project_services.stage_transition(actor=facilitator, stage=second, to_state="open")
    second = project_services.stage_transition(actor=facilitator, stage=second, to_state="voting")
    options = [str(option.pk) for option in decision_services.stage_options(second)]
    winner = next(str(p.pk) for p in carried if p.carried_from_id == merged.pk)
    for group, people in members.items():
        for person in people:
            if group == "clinician" and person is not people[0]:
                continue  # one clinician votes: too few to show alone
            pick = winner if group != "carer" else next(o for o in options if o != winner)
            decision_services.ballot_cast(
                actor=person, stage=Stage.objects.get(pk=second.pk), raw={pick: 1}
            )
    if close_second:
        with capture(execute=True):
            decision_services.voting_close(actor=facilitator, stage=second)
    return Scene(
        project=project,
        facilitator=facilitator,
        members=members,
        first=Stage.objects.get(pk=first.pk),
        second=Stage.objects.get(pk=second.pk),
    )


@pytest.fixture
def scene(  # type: ignore[no-untyped-def]
    project,
    facilitator,
    lived_experience_member,
    carer_member,
    clinician_member,
    django_capture_on_commit_callbacks,
) -> Scene:
    return build_scene(
        project,
        facilitator,
        {
            "lived_experience": lived_experience_member,
            "carer": carer_member,
            "clinician": clinician_member,
        },
        django_capture_on_commit_callbacks,
    )


def proposals_in(stage: Stage) -> int:
    return Proposal.objects.filter(stage=stage).count()
