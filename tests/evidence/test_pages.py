"""The evidence pages: who may use each, what they show, and flat query counts."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from decisions.models import Proposal
from evidence.models import Pulse, PulseAnswer, PulseTaken, ReflectionAnswer, Report
from projects.models import Project, Stage
from tests.evidence.conftest import Scene

pytestmark = pytest.mark.django_db

EVERYONE = ("member", "facilitator", "manager", "outsider", "anonymous")


def _client_as(client, scene: Scene, role: str, request):  # type: ignore[no-untyped-def]
    people = {
        "member": scene.members["carer"][0],
        "facilitator": scene.facilitator,
        "manager": request.getfixturevalue("manager"),
        "outsider": request.getfixturevalue("outsider"),
    }
    if role != "anonymous":
        client.force_login(people[role])
    return client


@pytest.mark.parametrize("role", EVERYONE)
def test_who_reads_the_evidence_pages(client, scene: Scene, role: str, request) -> None:  # type: ignore[no-untyped-def]
    _client_as(client, scene, role, request)
    project, stage = scene.project.pk, scene.first.pk
    pages = [
        reverse("evidence:power_balance", args=[project]),
        reverse("evidence:reports", args=[project]),
        reverse("evidence:reflection", args=[project, stage]),
        reverse("evidence:pulse", args=[project, stage]),
    ]
    for url in pages:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        elif role == "outsider":
            assert response.status_code == 404, url
        else:
            assert response.status_code == 200, (url, role)
    statements = client.get(reverse("evidence:pulse_statements", args=[project, stage]))
    assert statements.status_code == {
        "member": 403, "facilitator": 200, "manager": 403, "outsider": 404, "anonymous": 302,
    }[role]  # fmt: skip
    made = client.post(reverse("evidence:reports", args=[project]))
    assert made.status_code == {
        "member": 403, "facilitator": 302, "manager": 302, "outsider": 404, "anonymous": 302,
    }[role]  # fmt: skip
    assert Report.objects.count() == (1 if role in ("facilitator", "manager") else 0)
    assert client.put(reverse("evidence:power_balance", args=[project])).status_code in {
        "member": (405,), "facilitator": (405,), "manager": (405,), "outsider": (404,),
        "anonymous": (302,),
    }[role]  # fmt: skip


def test_the_power_balance_page_says_it_in_a_sentence(client, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scene.members["lived_experience"][0])
    page = client.get(reverse("evidence:power_balance", args=[scene.project.pk])).content.decode()
    assert "Who defined the problem" in page
    # 9 members, 3 in each group; 9 proposals, 3 from each group, made in the first stage
    # (the copies carried into the second stage are not new proposals).
    assert "People with lived experience made 34% of proposals and are 34% of members." in page
    assert "Carers are 33% of voting members (3)." in page
    # Only one clinician voted: never shown alone.
    assert "Other groups together" in page
    assert "<table" in page
    assert "<meter" in page


def test_a_member_answers_the_reflection_and_the_pulse(client, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    person = scene.members["carer"][1]
    client.force_login(person)
    project, stage = scene.project.pk, scene.first.pk
    url = reverse("evidence:reflection", args=[project, stage])
    bad = client.post(url, {"question": "1", "body": "", "shown_as": "anonymous"})
    assert bad.status_code == 200
    assert "Write your answer." in bad.content.decode()
    done = client.post(url, {"question": "1", "body": "I felt heard.", "shown_as": "anonymous"})
    assert done.status_code == 302
    answer = ReflectionAnswer.objects.get()
    assert answer.author is None
    client.force_login(scene.members["clinician"][0])
    page = client.get(url).content.decode()
    assert "I felt heard." in page
    assert "A member, anonymously" in page
    assert person.display_name not in page
    client.force_login(person)

    pulse_url = reverse("evidence:pulse", args=[project, stage])
    form = client.get(pulse_url).content.decode()
    assert "I could say what I really thought" in form
    answered = client.post(
        pulse_url, {"statement_1": "5", "statement_2": "4", "rung": "co_production"}
    )
    assert answered.status_code == 302
    assert PulseTaken.objects.filter(user=person).exists()
    assert PulseAnswer.objects.get().scores == [5, 4, None, None]
    again = client.get(pulse_url).content.decode()
    assert "You have answered this pulse" in again
    assert client.post(pulse_url, {"statement_1": "1"}).status_code == 403
    assert PulseAnswer.objects.count() == 1


def test_a_facilitator_hides_an_answer_and_closes_the_pulse(client, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    from evidence import services

    stage = Stage.objects.select_related("project").get(pk=scene.first.pk)
    answer = services.reflection_answer_create(
        actor=scene.members["carer"][0], stage=stage, question_number=1, body="Rude",
        anonymous=False,
    )  # fmt: skip
    client.force_login(scene.facilitator)
    hide = reverse("evidence:reflection_hide", args=[scene.project.pk, stage.pk, answer.pk])
    assert client.post(hide, {"reason": "Unkind words"}).status_code == 302
    page = client.get(reverse("evidence:reflection", args=[scene.project.pk, stage.pk]))
    assert "Unkind words" in page.content.decode()
    assert "Rude" not in page.content.decode()
    close = reverse("evidence:pulse_close", args=[scene.project.pk, stage.pk])
    assert client.get(close).status_code == 405
    assert client.post(close).status_code == 302
    assert Pulse.objects.get(stage=stage).closed_at is not None


def _report_text(client, scene: Scene) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    client.force_login(scene.facilitator)
    made = client.post(reverse("evidence:reports", args=[scene.project.pk]))
    report = Report.objects.get()
    assert made["Location"] == reverse("evidence:report", args=[scene.project.pk, report.pk])
    pdf = client.get(reverse("evidence:report_pdf", args=[scene.project.pk, report.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    return text, report.trail_head


def test_the_pdf_has_every_section_and_no_email_address_or_anonymous_name(
    client, scene: Scene
) -> None:  # type: ignore[no-untyped-def]
    from evidence import services

    stage = Stage.objects.select_related("project").get(pk=scene.first.pk)
    shy = scene.members["lived_experience"][1]
    services.reflection_answer_create(
        actor=shy, stage=stage, question_number=1, body="Quietly", anonymous=True
    )
    text, head = _report_text(client, scene)
    flat = " ".join(text.split())
    for section in (
        "Purpose",
        "Ground rules",
        "Stages",
        "Who took part",
        "Decisions",
        "Power balance",
        "Who defined the problem",
        "the pulse",
        "Statement of involvement",
        "242(1B)",
        "14Z45",
    ):
        assert section in flat, section
    assert head.split(":")[1][:16] in text.replace("\n", "")
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)
    assert shy.display_name not in flat


def test_a_member_reads_the_report_but_cannot_make_one(client, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    _report_text(client, scene)
    report = Report.objects.get()
    client.force_login(scene.members["clinician"][2])
    page = client.get(reverse("evidence:report", args=[scene.project.pk, report.pk]))
    assert page.status_code == 200
    assert "Statement of involvement" in page.content.decode()
    assert (
        "Make a report now"
        not in client.get(reverse("evidence:reports", args=[scene.project.pk])).content.decode()
    )


def test_the_organisation_view_lists_only_the_projects_observed(
    client, scene: Scene, manager, outsider, facilitator
) -> None:  # type: ignore[no-untyped-def]
    from projects import services as project_services

    project_services.project_create(
        actor=facilitator, title="Not observed", purpose="Other", ground_rules="Rules"
    )
    client.force_login(manager)
    page = client.get(reverse("evidence:organisation")).content.decode()
    assert scene.project.title in page
    assert "Not observed" not in page
    assert "7 of 9 members" in page
    client.force_login(outsider)
    page = client.get(reverse("evidence:organisation")).content.decode()
    assert scene.project.title not in page
    assert "You do not observe or sponsor any project." in page


def test_the_organisation_view_leaves_out_a_project_the_person_has_no_right_to_see(
    client, scene: Scene, manager
) -> None:  # type: ignore[no-untyped-def]
    """Rights come from the role group: an observer taken out of it by hand (in the admin)
    still has the membership row, but no right to see the project, so it is not listed."""
    from projects.models import ProjectRoleGroup

    client.force_login(manager)
    assert scene.project.title in client.get(reverse("evidence:organisation")).text
    manager.groups.remove(
        ProjectRoleGroup.objects.get(project=scene.project, role="observer").group
    )
    page = client.get(reverse("evidence:organisation")).text
    assert scene.project.title not in page
    assert "You do not observe or sponsor any project." in page


def test_a_sponsor_sees_the_projects_they_sponsor_with_responses_overdue(
    client, project, facilitator, lived_experience_member, carer_member, clinician_member
) -> None:  # type: ignore[no-untyped-def]
    from delivery.models import Recommendation
    from tests.delivery import helpers

    sponsor = helpers.add_sponsor(project)
    made = helpers.recommendations(
        project, facilitator, [lived_experience_member, carer_member, clinician_member]
    )
    Recommendation.objects.filter(pk=made[0].pk).update(
        response_due_on=timezone.localdate() - timedelta(days=1)
    )
    helpers.respond(sponsor, helpers.fresh(made[1]))
    client.force_login(sponsor)
    home = client.get(reverse("home")).content.decode()
    assert "All the projects you oversee" in home
    page = client.get(reverse("evidence:organisation")).content.decode()
    assert project.title in page
    assert "3 recommendations" in page
    assert "1 response overdue" in page


def _add_proposals(stage: Stage, author, count: int) -> None:  # type: ignore[no-untyped-def]
    Proposal.objects.bulk_create(
        Proposal(stage=stage, author=author, title=f"Idea {n}", body="Why") for n in range(count)
    )


@pytest.mark.parametrize(
    "name", ["power_balance", "reports", "reflection", "pulse", "organisation"]
)
def test_pages_stay_flat_in_queries_as_proposals_grow(
    client, scene: Scene, manager, name: str, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(manager)
    args = {
        "power_balance": [scene.project.pk],
        "reports": [scene.project.pk],
        "reflection": [scene.project.pk, scene.first.pk],
        "pulse": [scene.project.pk, scene.first.pk],
        "organisation": [],
    }[name]
    url = reverse(f"evidence:{name}", args=args)
    _add_proposals(scene.first, scene.members["carer"][0], 10)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_proposals(scene.first, scene.members["carer"][0], 1000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_project_page_links_to_the_evidence(client, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scene.members["carer"][0])
    page = client.get(reverse("projects:detail", args=[scene.project.pk])).content.decode()
    assert reverse("evidence:power_balance", args=[scene.project.pk]) in page
    stage_page = client.get(scene.first.get_absolute_url()).content.decode()
    assert reverse("evidence:reflection", args=[scene.project.pk, scene.first.pk]) in stage_page
    assert reverse("evidence:pulse", args=[scene.project.pk, scene.first.pk]) in stage_page


def test_a_project_with_nothing_yet_shows_calm_pages(client, project: Project, manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(manager)
    page = client.get(reverse("evidence:power_balance", args=[project.pk])).content.decode()
    assert "Too few people" in page or "Nothing to count yet." in page
    assert "No stage has closed yet" in page


def test_the_statements_rules_come_from_the_service_and_show_beside_the_field(
    client, monkeypatch, project: Project, facilitator
) -> None:  # type: ignore[no-untyped-def]
    """One source for how many statements: the service's. Were the form to keep its own
    copy, changing the service's limit would leave the form saying something else."""
    import evidence.services.pulse as pulse_services

    client.force_login(facilitator)
    stage = project.stages.get(position=3)
    url = reverse("evidence:pulse_statements", args=[project.pk, stage.pk])
    typed = "\n".join(f"Statement number {number}" for number in range(1, 10))
    page = client.post(url, {"statements": typed, "ask_ladder": "on"})
    assert page.status_code == 200
    assert page.context["form"].errors["statements"] == [
        "Use at most 8 statements: the pulse stays short."
    ]
    assert "Statement number 9" in page.text  # what was typed is kept
    monkeypatch.setattr(pulse_services, "MAX_STATEMENTS", 3)
    page = client.post(url, {"statements": typed[:80], "ask_ladder": "on"})
    assert page.context["form"].errors["statements"] == [
        "Use at most 3 statements: the pulse stays short."
    ]
    assert not Pulse.objects.filter(stage=stage).exists()
