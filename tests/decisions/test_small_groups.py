"""Small groups: a group of 1 or 2 voters never has its result or turnout shown, and its
result cannot be worked out by taking the groups shown from the whole. The smallest
group shown is 3 and cannot be set lower."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from coproduce.errors import RuleError
from decisions import services
from decisions.models import VotingRules
from decisions.rules import voting_rules_for
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import join
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(name: str, stage: Stage) -> str:
    return reverse(
        f"decisions:{name}", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )


def _members(project: Project, group: str, count: int) -> list[User]:
    people = []
    for number in range(count):
        person = UserFactory(email=f"{group}{number}@example.org", display_name=f"{group} {number}")
        join(project, person, "member", group)
        people.append(User.objects.get(pk=person.pk))
    return people


def _stage(project: Project, facilitator: User, author: User, **rules) -> Stage:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    services.voting_rules_update(
        actor=facilitator, stage=stage, voting_method="dots", dots_per_member=3, **rules
    )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        services.proposal_create(actor=author, stage=stage, title=title, body="Why it matters.")
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def _vote(
    project: Project, facilitator: User, turnout: dict[str, int], **rules: object
) -> tuple[Stage, list[str], dict[str, dict[str, int]]]:
    """Members of each group vote (the big groups all alike, the small ones differently);
    return the stage, its options and each group's summed dots."""
    voters = {group: _members(project, group, count) for group, count in turnout.items()}
    stage = _stage(project, facilitator, voters["lived_experience"][0], **rules)
    options = [str(option.pk) for option in services.stage_options(stage)]
    ballots = {
        "lived_experience": {options[0]: 2, options[1]: 1},
        "carer": {options[2]: 3},
        "clinician": {options[1]: 2, options[2]: 1},
    }
    sums: dict[str, dict[str, int]] = {}
    for group, people in voters.items():
        for person in people:
            services.ballot_cast(
                actor=person, stage=Stage.objects.get(pk=stage.pk), raw=ballots[group]
            )
            for option, dots in ballots[group].items():
                sums.setdefault(group, dict.fromkeys(options, 0))[option] += dots
    return stage, options, sums


def _by_title(rows: list[dict]) -> dict[str, float]:  # type: ignore[type-arg]
    return {row["title"]: row["value"] for row in rows}


def _whole_minus_shown(page) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """What someone works out by taking every group shown from the whole."""
    left = _by_title(page.context["rows"])
    for group in page.context["groups"]:
        if group["shown"]:
            for title, value in _by_title(group["rows"]).items():
                left[title] -= value
    return left


def _titled(stage: Stage, dots: dict[str, int]) -> dict[str, float]:
    titles = {str(option.pk): option.title for option in services.stage_options(stage)}
    return {titles[option]: float(value) for option, value in dots.items()}


@pytest.mark.parametrize("small", [1, 2])
def test_a_group_of_one_or_two_voters_cannot_be_read_or_worked_out(
    client, project: Project, facilitator: User, small: int
) -> None:
    stage, _options, sums = _vote(
        project, facilitator, {"lived_experience": 3, "carer": small, "clinician": 3}
    )
    services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    client.force_login(facilitator)
    page = client.get(_url("decision", stage))
    assert page.status_code == 200
    carers = next(g for g in page.context["groups"] if g["constituency"] == "carer")
    assert not carers["shown"]
    assert carers["rows"] == []
    # Its turnout reads "fewer than 3", never "1 of 1" or "2 of 2".
    assert f"{small} of {small + 1} voted" not in page.text
    assert f"{small} of {small} voted" not in page.text
    assert "Fewer than 3 voted" in page.text
    # Taking the groups shown from the whole does not give the carers' result.
    assert _whole_minus_shown(page) != _titled(stage, sums["carer"])
    # Because no group's own result is shown, and the page says why in one sentence.
    assert not any(group["shown"] for group in page.context["groups"])
    assert "taking the other groups' results from the whole would give theirs" in page.text
    assert "3 of 4 voted" in page.text  # a big group's turnout is still shown


def test_small_groups_with_enough_voters_between_them_leave_the_big_groups_shown(
    client, project: Project, facilitator: User
) -> None:
    stage, _options, sums = _vote(
        project, facilitator, {"lived_experience": 3, "carer": 2, "clinician": 2}
    )
    services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    client.force_login(facilitator)
    page = client.get(_url("decision", stage))
    shown = [group["constituency"] for group in page.context["groups"] if group["shown"]]
    assert shown == ["lived_experience"]
    assert page.text.count("Fewer than 3 voted") == 2
    # What is left is the two small groups together (4 people), neither group alone.
    left = _whole_minus_shown(page)
    assert left != _titled(stage, sums["carer"])
    assert left != _titled(stage, sums["clinician"])
    together = {
        title: _titled(stage, sums["carer"])[title] + _titled(stage, sums["clinician"])[title]
        for title in left
    }
    assert left == together
    assert "taking the other groups' results from the whole" not in page.text


def test_live_results_hide_a_lone_voter_the_same_way(
    client, project: Project, facilitator: User
) -> None:
    stage, _options, sums = _vote(
        project,
        facilitator,
        {"lived_experience": 3, "carer": 1, "clinician": 3},
        live_results=True,
    )
    client.force_login(facilitator)
    page = client.get(_url("decision", stage))
    assert "Results so far" in page.text
    assert not any(group["shown"] for group in page.context["groups"])
    assert _whole_minus_shown(page) != _titled(stage, sums["carer"])


def test_a_vote_with_fewer_than_3_voters_in_all_says_its_result_may_show_how_they_voted(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member)
    first = str(services.stage_options(stage)[0].pk)
    services.ballot_cast(actor=carer_member, stage=stage, raw={first: 3})
    services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    client.force_login(carer_member)
    page = client.get(_url("decision", stage))
    assert "this result may show how they voted" in page.text
    assert "1 of 1 voted" not in page.text


# --- The floor: 3, never lower -----------------------------------------------------


def _rules_form(**changes: str) -> dict[str, str]:
    data = {
        "voting_method": "dots",
        "counting": "one_person_one_vote",
        "dots_per_member": "4",
        "dots_can_stack": "on",
        "max_ranks": "10",
        "consent_threshold_percent": "66",
        "scoring_in_percent": "70",
        "scoring_out_percent": "15",
        "smallest_group_shown": "3",
    }
    return data | changes


@pytest.mark.parametrize("value", ["1", "2"])
def test_the_form_refuses_a_smallest_group_below_3_kindly_and_keeps_what_was_typed(
    client, project: Project, facilitator: User, value: str
) -> None:
    stage = project.stages.get(position=2)
    client.force_login(facilitator)
    response = client.post(_url("voting_rules", stage), _rules_form(smallest_group_shown=value))
    assert response.status_code == 200
    assert "Enter 3 or more." in response.text
    assert "would show how each of them voted" in response.text
    assert f'value="{value}"' in response.text
    assert 'value="4"' in response.text  # the dots typed stay
    in_force = voting_rules_for(Stage.objects.get(pk=stage.pk))  # nothing was saved
    assert in_force.smallest_group_shown == 3
    assert in_force.dots_per_member is None


def test_the_service_and_the_database_refuse_a_smallest_group_below_3(
    project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)
    with pytest.raises(RuleError, match="3 people or more"):
        services.voting_rules_update(actor=facilitator, stage=stage, smallest_group_shown=1)
    rules = voting_rules_for(stage)
    assert rules.smallest_group_shown == 3
    rules.save()  # a saved row, for the database to refuse its change
    with pytest.raises(IntegrityError), transaction.atomic():
        VotingRules.objects.filter(stage=stage).update(smallest_group_shown=2)


def test_the_migration_raises_rules_below_3_to_3(project: Project) -> None:
    migration = importlib.import_module(
        "decisions.migrations.0006_smallest_group_shown_raised_to_3"
    )
    # Rules written before the floor existed (the check is lifted inside this test only).
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE decisions_votingrules DROP CONSTRAINT smallest_group_shown_at_least_3"
        )
    stage = project.stages.get(position=2)
    voting_rules_for(stage).save()
    VotingRules.objects.filter(stage=stage).update(smallest_group_shown=1)
    other = project.stages.get(position=3)
    voting_rules_for(other).save()
    VotingRules.objects.filter(stage=other).update(smallest_group_shown=5)
    migration.raise_to_floor(apps, None)
    assert VotingRules.objects.get(stage=stage).smallest_group_shown == 3
    assert VotingRules.objects.get(stage=other).smallest_group_shown == 5
