"""The review ("did we do what we said?") and "You said, we did" (#13 parts 3 and 4).

The review's verdict vote is an ordinary vote of decisions: secret, sealed at the close,
counted per group with the small-group rule. Delivery only makes its options (one per
recommendation acted on, linked back) and shows the whole trail on one page, which a
facilitator can publish as a public page with no personal data.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from decisions import services as decision_services
from decisions.models import Ballot, DecisionRecord, Proposal
from decisions.rules import voting_rules_for
from decisions.selectors import decision_page
from delivery import services
from delivery.models import Action, PublicReport, Recommendation, ReviewOption
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import join
from tests.delivery import helpers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acted(
    recs: list[Recommendation], sponsor: User, carer_member: User
) -> dict[str, Recommendation]:
    """The first accepted with a confirmed action; the second accepted in part with only a
    proposed action; the third declined."""
    first, second, third = recs
    helpers.respond(sponsor, first, "accepted")
    helpers.respond(sponsor, second, "accepted_in_part", "Only in the daytime.")
    helpers.respond(sponsor, third, "declined", "The budget is spent.")
    helpers.confirmed_action(sponsor, first, owner=carer_member)
    services.action_propose(
        actor=carer_member,
        recommendation=helpers.fresh(second),
        title="Ask the day team",
        done_looks_like="They said yes or no.",
        owner=carer_member,
        due_on=helpers.in_days(10),
    )
    return {"first": first, "second": second, "third": third}


def _review_stage(project: Project) -> Stage:
    return Stage.objects.select_related("project").get(project=project, kind=Stage.Kind.REVIEW)


def test_the_facilitator_puts_the_recommendations_acted_on_to_a_verdict_vote(
    project: Project, facilitator: User, acted: dict[str, Recommendation]
) -> None:
    stage = _review_stage(project)
    made = services.review_options_create(actor=facilitator, stage=stage)
    # Only the recommendation with a confirmed action is reviewed.
    assert [option.recommendation_id for option in made] == [acted["first"].pk]
    option = ReviewOption.objects.select_related("proposal").get()
    assert option.proposal.stage_id == stage.pk
    assert option.proposal.title == acted["first"].title
    assert option.proposal.author is None
    # The proposal's origins lead back to the recommendation's proposal and its first ideas.
    assert option.proposal.carried_from_id == acted["first"].proposal_id
    assert "Rota a second nurse" in option.proposal.body
    stage.refresh_from_db()
    assert stage.has_vote
    assert voting_rules_for(stage).voting_method == "verdict"
    event = AuditEvent.objects.filter(action="delivery.review_options_created").get()
    assert event.details == {"stage": str(stage.pk), "count": 1}
    # Again: nothing new, nothing recorded.
    assert services.review_options_create(actor=facilitator, stage=_review_stage(project)) == []
    assert AuditEvent.objects.filter(action="delivery.review_options_created").count() == 1


def test_only_a_facilitator_opens_a_review_and_only_in_a_review_stage_before_voting(
    project: Project,
    facilitator: User,
    sponsor: User,
    lived_experience_member: User,
    recs: list[Recommendation],
) -> None:
    stage = _review_stage(project)
    with pytest.raises(RuleError, match="nothing to review"):
        services.review_options_create(actor=facilitator, stage=stage)
    for person in (sponsor, lived_experience_member):
        with pytest.raises(RightsError):
            services.review_options_create(actor=person, stage=stage)
    first_stage = Stage.objects.select_related("project").get(project=project, position=1)
    with pytest.raises(RuleError, match="review stage"):
        services.review_options_create(actor=facilitator, stage=first_stage)


def _verdict_vote(
    project: Project, facilitator: User, voters: dict[User, tuple[str, str]]
) -> DecisionRecord:
    """Open the review, let each voter give (verdict, comment) on every option, close it."""
    stage = _review_stage(project)
    services.review_options_create(actor=facilitator, stage=stage)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    options = list(Proposal.objects.filter(stage=stage))
    for voter, (verdict, comment) in voters.items():
        decision_services.ballot_cast(
            actor=voter,
            stage=Stage.objects.select_related("project").get(pk=stage.pk),
            raw={str(o.pk): {"verdict": verdict, "comment": comment} for o in options},
        )
    return decision_services.voting_close(
        actor=facilitator, stage=Stage.objects.select_related("project").get(pk=stage.pk)
    )


def test_verdicts_are_secret_sealed_counted_and_recommend_nothing_new(
    project: Project,
    facilitator: User,
    members: list[User],
    acted: dict[str, Recommendation],
) -> None:
    lived, carer, clinician = members
    record = _verdict_vote(
        project,
        facilitator,
        {
            lived: ("not_done", "Nights are still long."),
            carer: ("as_decided", ""),
            clinician: ("not_done", ""),
        },
    )
    assert record.voting_method == "verdict"
    (row,) = record.table["rows"]
    assert row["leading"] == "not_done"
    assert row["counts"] == {"as_decided": "1", "differently": "0", "not_done": "2"}
    assert record.outcome == f"{acted['first'].title}: not done."
    assert list(record.table["comments"].values()) == [["Nights are still long."]]
    # Sealed at the close like every secret vote: nothing points back to a voter.
    assert Ballot.objects.filter(stage=record.stage).count() == 3
    assert not Ballot.objects.filter(stage=record.stage, voter_key__isnull=False).exists()
    assert AuditEvent.objects.filter(action="ballots.sealed").exists()
    # A review judges old recommendations; it makes no new ones.
    assert services.recommendations_from_decision(record=record) == []
    # One voter in each group: no group's own verdict is shown.
    page = decision_page(record.stage)
    assert page is not None
    assert page["groups"]
    assert not any(group["shown"] for group in page["groups"])
    assert page["verdict_comments"] == [(acted["first"].title, ["Nights are still long."])]


def test_the_ballot_page_asks_for_a_verdict_on_each_recommendation_and_keeps_a_comment(
    client, project: Project, facilitator: User, members: list[User], acted
) -> None:
    stage = _review_stage(project)
    services.review_options_create(actor=facilitator, stage=stage)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    option = Proposal.objects.get(stage=stage)
    client.force_login(members[0])
    url = reverse("decisions:ballot", args=[project.pk, stage.pk])
    page = client.get(url).content.decode()
    assert "Did we do what we said?" in page
    assert "Done as decided" in page
    assert "Done differently" in page
    assert "Not done" in page
    # No verdict chosen: a kind error, and the comment typed is kept.
    refused = client.post(url, {f"comment-{option.pk}": "The line is quieter now."})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Choose what happened to this recommendation." in text
    assert "The line is quieter now." in text
    done = client.post(
        url,
        {f"option-{option.pk}": "differently", f"comment-{option.pk}": "The line is quieter."},
    )
    assert done.status_code == 302
    ballot = Ballot.objects.get(stage=stage)
    assert ballot.content == {
        "verdicts": {str(option.pk): {"verdict": "differently", "comment": "The line is quieter."}}
    }


def test_you_said_we_did_shows_the_whole_trail_to_every_member(
    client,
    project: Project,
    facilitator: User,
    members: list[User],
    acted: dict[str, Recommendation],
) -> None:
    lived, carer, clinician = members
    _verdict_vote(
        project,
        facilitator,
        {lived: ("differently", ""), carer: ("differently", ""), clinician: ("as_decided", "")},
    )
    client.force_login(clinician)
    page = client.get(reverse("delivery:you_said", args=[project.pk])).content.decode()
    for recommendation in acted.values():
        assert recommendation.title in page
    # The first ideas (the proposals of the priority vote, first written there), the response's
    # reasons, the confirmed action with its owner, the verdict.
    assert "Only in the daytime." in page
    assert "The budget is spent." in page
    assert "Rota a second nurse" in page
    assert carer.display_name in page
    assert "Ask the day team" not in page  # proposed, never confirmed
    assert "Done differently" in page
    assert "Not reviewed yet." in page
    assert reverse("decisions:decision", args=[project.pk, _review_stage(project).pk]) in page
    assert "print.css" in page
    assert "<script" not in page.split("</head>")[1].split("<footer")[0]


def test_first_ideas_follow_carry_forward_and_merges_back_to_the_first_stage(
    project: Project, facilitator: User, members: list[User], sponsor: User
) -> None:
    from delivery.selectors import report_items

    first = Stage.objects.select_related("project").get(project=project, position=1)
    first = project_services.stage_transition(actor=facilitator, stage=first, to_state="open")
    ideas = [
        decision_services.proposal_create(actor=members[i], stage=first, title=t, body="Why")
        for i, t in enumerate(("Long waits at night", "Nobody calls back"))
    ]
    merged = decision_services.proposal_merge(
        actor=facilitator,
        stage=first,
        proposals=ideas,
        title="Waiting at night",
        body="Both",
        note="",
    )
    first = project_services.stage_transition(actor=facilitator, stage=first, to_state="closed")
    priorities = Stage.objects.select_related("project").get(project=project, position=2)
    decision_services.proposals_carry_forward(
        actor=facilitator, from_stage=first, to_stage=priorities, proposals=[merged]
    )
    decision_services.voting_rules_update(actor=facilitator, stage=priorities, voting_method="dots")
    priorities = project_services.stage_transition(
        actor=facilitator, stage=priorities, to_state="open"
    )
    priorities = project_services.stage_transition(
        actor=facilitator, stage=priorities, to_state="voting"
    )
    (carried,) = Proposal.objects.filter(stage=priorities)
    for member in members:
        decision_services.ballot_cast(
            actor=member,
            stage=Stage.objects.select_related("project").get(pk=priorities.pk),
            raw={str(carried.pk): 1},
        )
    record = decision_services.voting_close(
        actor=facilitator, stage=Stage.objects.select_related("project").get(pk=priorities.pk)
    )
    services.recommendations_from_decision(record=record)
    (item,) = report_items(project)
    assert sorted(idea.title for idea in item.first_ideas) == [
        "Long waits at night",
        "Nobody calls back",
    ]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_you_said_we_did_stays_flat_from_10_to_200_actions(
    client, project: Project, facilitator: User, acted, carer_member: User, sponsor: User
) -> None:
    def add(count: int) -> None:
        Action.objects.bulk_create(
            Action(
                recommendation=acted["first"],
                title=f"Action {number}",
                done_looks_like="Done",
                owner=carer_member if number % 2 else sponsor,
                due_on=timezone.localdate() + timedelta(days=number % 40),
                proposed_by=sponsor,
                confirmed_by=sponsor,
                confirmed_at=timezone.now(),
            )
            for number in range(count)
        )

    report = services.report_publish(actor=facilitator, project=project)
    client.force_login(carer_member)
    url = reverse("delivery:you_said", args=[project.pk])
    add(10)
    few, few_public = _queries(client, url), _queries(client, report.get_absolute_url())
    add(190)
    assert _queries(client, url) == few
    assert _queries(client, report.get_absolute_url()) == few_public


# --- The public page, tested as an attacker would ------------------------------------------


def _personal_data() -> list[str]:
    """Every name, pseudonym and email address of everyone in the database."""
    values = []
    for user in User.objects.all():
        values += [user.email, user.display_name]
        values += [getattr(user, name, "") for name in ("first_name", "last_name")]
    return [value for value in values if value and len(value) > 2]


def test_the_public_page_shows_the_trail_but_no_personal_data(
    client,
    project: Project,
    facilitator: User,
    members: list[User],
    acted: dict[str, Recommendation],
) -> None:
    for number in range(3):  # a group big enough to show its own verdict on the members' page
        extra = UserFactory(email=f"extra{number}@example.org", display_name=f"Tall Pine {number}")
        join(project, extra, "member", "carer")
        members.append(extra)
    _verdict_vote(
        project,
        facilitator,
        {member: ("as_decided", f"Fine, from {member.display_name}") for member in members},
    )
    report = services.report_publish(actor=facilitator, project=project)
    client.logout()
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert acted["first"].title in html
    assert "Rota a second nurse" in html
    assert "Done as decided" in html
    assert "The budget is spent." in html
    for value in _personal_data():
        assert value.lower() not in html.lower(), value
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w", html), "an email address"
    # No group's own result, no comments (they may name people), no links into the project.
    assert "By group" not in html
    assert "Fine, from" not in html
    assert f"/projects/{project.pk}/" not in html
    assert not re.search(r"<form|<script(?![^>]*coproduce\.js)", html)


def test_a_verdict_two_members_gave_is_not_shown_on_the_public_page(
    client,
    project: Project,
    facilitator: User,
    members: list[User],
    acted: dict[str, Recommendation],
) -> None:
    """Decisions' small-group rule (`decisions.rules.too_few_to_show`), not a copy: with
    two voters, the verdict and its figures could show how each of them voted."""
    lived, carer, _clinician = members
    record = _verdict_vote(
        project, facilitator, {lived: ("as_decided", ""), carer: ("as_decided", "")}
    )
    (row,) = record.table["rows"]
    assert sum(int(count) for count in record.turnout.values()) == 2
    page = decision_page(record.stage)
    assert page is not None
    assert page["few_voters"]  # the decision page says so too: the same rule
    report = services.report_publish(actor=facilitator, project=project)
    client.logout()
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert acted["first"].title in html
    assert "Too few members gave a verdict for it to be shown" in html
    assert row["verdict"] not in html
    assert row["figure"] not in html
    assert "Done as decided" not in html
    # Members of the project read it on their own page, as on the decision page.
    client.force_login(lived)
    inside = client.get(reverse("delivery:you_said", args=[project.pk]))
    assert inside.status_code == 200
    assert row["figure"] in inside.content.decode()


def test_a_withdrawn_a_republished_or_a_guessed_address_gives_404(
    client, project: Project, facilitator: User, lived_experience_member: User, acted
) -> None:
    report = services.report_publish(actor=facilitator, project=project)
    old = report.get_absolute_url()
    assert len(report.token) >= 40
    assert client.get(old).status_code == 200
    assert services.report_withdraw(actor=facilitator, project=project).published is False
    assert client.get(old).status_code == 404
    again = services.report_publish(actor=facilitator, project=project)
    assert again.get_absolute_url() != old
    assert client.get(old).status_code == 404
    assert client.get(again.get_absolute_url()).status_code == 200
    for guess in (str(project.pk), "1", report.token[:-1] + "x", "%00", "a" * 200):
        url = reverse("delivery_public:you_said", args=[guess])
        assert client.get(url).status_code == 404
    assert [
        event.action for event in AuditEvent.objects.filter(action__startswith="delivery.report")
    ] == [
        "delivery.report_published",
        "delivery.report_withdrawn",
        "delivery.report_published",
    ]
    with pytest.raises(RightsError):
        services.report_withdraw(actor=lived_experience_member, project=project)
    assert PublicReport.objects.get().published


def test_the_facilitator_publishes_and_withdraws_from_the_page(
    client, project: Project, facilitator: User, lived_experience_member: User, acted
) -> None:
    from tests.conftest import force_login_with_two_factors

    client.force_login(lived_experience_member)
    member_page = client.get(reverse("delivery:you_said", args=[project.pk]))
    assert member_page.status_code == 200
    assert "Publish as a public page" not in member_page.content.decode()
    assert client.post(reverse("delivery:you_said_publish", args=[project.pk])).status_code == 403
    force_login_with_two_factors(client, facilitator)
    response = client.post(reverse("delivery:you_said_publish", args=[project.pk]), follow=True)
    page = response.content.decode()
    assert "The public page is published." in page
    token = PublicReport.objects.get().token
    assert token in page
    response = client.post(reverse("delivery:you_said_withdraw", args=[project.pk]), follow=True)
    assert "The public page is withdrawn." in response.content.decode()
    assert not PublicReport.objects.get().published


def test_the_facilitator_opens_the_review_from_the_delivery_page(
    client, project: Project, facilitator: User, acted
) -> None:
    from tests.conftest import force_login_with_two_factors

    force_login_with_two_factors(client, facilitator)
    stage = _review_stage(project)
    overview = client.get(reverse("delivery:overview", args=[project.pk])).content.decode()
    assert "Put the recommendations to review" in overview
    response = client.post(reverse("delivery:review_open", args=[project.pk, stage.pk]))
    assert response.status_code == 302
    assert ReviewOption.objects.filter(stage=stage).count() == 1
    other = Stage.objects.get(project=project, position=1)
    assert (
        client.post(reverse("delivery:review_open", args=[project.pk, other.pk])).status_code == 404
    )
