"""Build delivery's starting point the real way: a vote held and closed, its
recommendations made, a sponsor in the project."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from decisions import services as decision_services
from decisions.models import DecisionRecord
from delivery import services
from delivery.models import Action, Recommendation, Response
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import join
from tests.factories import UserFactory, enable_totp

OPTION_TITLES = ("A night nurse on call", "A calm room to wait", "Carers told the plan")


def add_sponsor(project: Project, email: str = "sponsor@example.org") -> User:
    sponsor = UserFactory(email=email, display_name="Bright Oak")
    enable_totp(sponsor)
    join(project, sponsor, "sponsor")
    return User.objects.get(pk=sponsor.pk)


def closed_vote(
    project: Project,
    facilitator: User,
    voters: list[User],
    titles: tuple[str, ...] = OPTION_TITLES,
    author: User | None = None,
    position: int = 2,
) -> DecisionRecord:
    """Hold a dots vote in the project's stage at `position` (the second: "What matters
    most?") where every option gets a dot."""
    author = author or voters[0]
    stage = project.stages.get(position=position)
    if not stage.has_vote:
        stage = project_services.stage_update(actor=facilitator, stage=stage, has_vote=True)
    decision_services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    options = [
        decision_services.proposal_create(actor=author, stage=stage, title=title, body="Why")
        for title in titles
    ]
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    for voter in voters:
        decision_services.ballot_cast(
            actor=voter,
            stage=Stage.objects.select_related("project").get(pk=stage.pk),
            raw={str(option.pk): 1 for option in options},
        )
    return decision_services.voting_close(
        actor=facilitator, stage=Stage.objects.select_related("project").get(pk=stage.pk)
    )


def recommendations(
    project: Project,
    facilitator: User,
    voters: list[User],
    titles: tuple[str, ...] = OPTION_TITLES,
    position: int = 2,
) -> list[Recommendation]:
    record = closed_vote(project, facilitator, voters, titles, position=position)
    return list(services.recommendations_from_decision(record=record))


def fresh(recommendation: Recommendation) -> Recommendation:
    return Recommendation.objects.select_related("project").get(pk=recommendation.pk)


def respond(
    sponsor: User, recommendation: Recommendation, answer: str = "accepted", reasons: str = ""
) -> Response:
    return services.response_write(
        actor=sponsor,
        recommendation=fresh(recommendation),
        answer=answer,
        reasons=reasons or ("" if answer == "accepted" else "Money is short this year."),
        next_steps="We start in the spring.",
    )


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def confirmed_action(
    by: User, recommendation: Recommendation, owner: User, due_on: date | None = None
) -> Action:
    """An action added (and so confirmed) by a facilitator or sponsor."""
    return services.action_propose(
        actor=by,
        recommendation=fresh(recommendation),
        title="Rota a second nurse",
        done_looks_like="Two nurses on every night shift for a month.",
        owner=owner,
        due_on=due_on or in_days(30),
    )


def fresh_action(action: Action) -> Action:
    return Action.objects.select_related("recommendation__project", "owner").get(pk=action.pk)
