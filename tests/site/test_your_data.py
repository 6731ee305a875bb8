"""The "Your data" page: downloading everything held about you, and erasing your account."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.audit.verify import verify_chain
from coproduce.site.data_rights import account_erase, personal_data_zip
from decisions import services as decision_services
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.factories import PASSWORD, UserFactory, current_totp_code, enable_totp

pytestmark = pytest.mark.django_db

PAGE = reverse("your_data")
DOWNLOAD = reverse("your_data_download")
ERASE = reverse("account_erase")


def _zip(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def _voting_stage(project: Project, facilitator: User, author: User, comment: str = "") -> Stage:
    stage = project.stages.get(position=2)
    decision_services.voting_rules_update(
        actor=facilitator, stage=stage, voting_method="dots", dots_per_member=3
    )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        proposal = decision_services.proposal_create(
            actor=author, stage=stage, title=title, body="Why."
        )
    if comment:
        decision_services.comment_create(actor=author, proposal=proposal, body=comment)
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def _options(stage: Stage) -> list[str]:
    return [str(option.pk) for option in decision_services.stage_options(stage)]


# --- The page ---------------------------------------------------------------------


def test_the_page_explains_and_is_reached_from_your_details(client, carer_member: User) -> None:
    client.force_login(carer_member)
    assert f'href="{PAGE}"' in client.get(reverse("participants:profile")).text
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Download your data" in page.text
    assert "nobody can find which ballot was yours" in page.text
    assert f'href="{ERASE}"' in page.text


@pytest.mark.parametrize("url", [PAGE, DOWNLOAD, ERASE])
def test_signed_out_visitors_are_sent_to_sign_in(anonymous_client, url: str) -> None:
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("url", "method"),
    [(PAGE, "post"), (DOWNLOAD, "get"), (ERASE, "put"), (reverse("account_erased"), "post")],
)
def test_wrong_methods_are_refused(client, carer_member: User, url: str, method: str) -> None:
    client.force_login(carer_member)
    assert getattr(client, method)(url).status_code == 405


# --- The download -----------------------------------------------------------------


def test_the_download_holds_everything_about_the_person_and_is_recorded(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, comment="=1+1 matters")
    first, second, _third = _options(stage)
    decision_services.ballot_cast(actor=carer_member, stage=stage, raw={first: 2, second: 1})
    decision_services.ballot_cast(actor=clinician_member, stage=stage, raw={second: 3})
    enable_totp(carer_member)

    client.force_login(carer_member)
    response = client.post(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    archive = _zip(response.content)
    names = set(archive.namelist())
    for table in (
        "memberships",
        "proposals",
        "comments",
        "delivery_responses",
        "delivery_actions",
        "delivery_updates",
        "delivery_comments",
        "notifications",
        "invitations_received",
        "invitations_sent",
        "trail_entries",
        "votes_taken_part_in",
    ):
        assert {f"{table}.json", f"{table}.csv"} <= names

    account = json.loads(archive.read("account.json"))
    assert account["email"] == "carer@example.org"
    assert account["display_name"] == "Steady Rowan"
    assert [method["type"] for method in account["two_factor_methods"]] == ["totp"]
    assert "data" not in account["two_factor_methods"][0]  # never the secret

    memberships = json.loads(archive.read("memberships.json"))
    assert [(row["role"], row["constituency"]) for row in memberships] == [("member", "carer")]
    assert memberships[0]["role_group"]
    proposals = json.loads(archive.read("proposals.json"))
    assert sorted(row["title"] for row in proposals) == [
        "Call-back promise",
        "Named night worker",
        "Quiet room",
    ]
    comments = list(csv.DictReader(io.StringIO(archive.read("comments.csv").decode())))
    # A spreadsheet would run "=1+1": the cell is kept as text.
    assert [row["body"] for row in comments] == ["'=1+1 matters"]
    received = json.loads(archive.read("invitations_received.json"))
    assert [row["email"] for row in received] == ["carer@example.org"]
    assert json.loads(archive.read("invitations_sent.json")) == []
    trail = json.loads(archive.read("trail_entries.json"))
    actions = {row["action"] for row in trail}
    assert {"proposal.created", "comment.created", "ballot.cast", "membership.started"} <= actions
    assert len(json.loads(archive.read("votes_taken_part_in.json"))) == 1
    # Their own ballot while voting is open; nobody else's.
    ballots = json.loads(archive.read("ballots_while_open.json"))
    assert [row["content"] for row in ballots] == [{"dots": {first: 2, second: 1}}]
    readme = archive.read("README.txt").decode()
    assert "ballots of closed votes are not in this file" in readme
    assert "your ballot in 1 vote(s) still open" in readme

    event = AuditEvent.objects.get(action="account.data_downloaded")
    assert event.actor_id == carer_member.pk
    assert event.project_id is None


def test_after_voting_closes_the_ballot_cannot_be_found(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member)
    first, *_rest = _options(stage)
    decision_services.ballot_cast(actor=carer_member, stage=stage, raw={first: 1})
    decision_services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    archive = _zip(personal_data_zip(user=carer_member, site_name="Co-produce"))
    assert json.loads(archive.read("ballots_while_open.json")) == []
    assert "no ballot in a vote that is still open" in archive.read("README.txt").decode()
    # That they voted stays in their data: it is about them.
    assert len(json.loads(archive.read("votes_taken_part_in.json"))) == 1


def test_the_download_takes_the_same_queries_however_much_was_written(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            personal_data_zip(user=carer_member, site_name="Co-produce")
        return len(captured)

    proposal = decision_services.proposal_create(
        actor=carer_member, stage=stage, title="One", body="Body."
    )
    decision_services.comment_create(actor=carer_member, proposal=proposal, body="A comment.")
    few = queries()
    for number in range(5):
        more = decision_services.proposal_create(
            actor=carer_member, stage=stage, title=f"More {number}", body="Body."
        )
        decision_services.comment_create(actor=carer_member, proposal=more, body="Another.")
    assert queries() == few


# --- Erasing from the page --------------------------------------------------------


def test_erasing_asks_for_the_password_again_then_erases_and_signs_out(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    proposal = decision_services.proposal_create(
        actor=carer_member, stage=stage, title="Quiet room", body="Somewhere calm."
    )
    client.force_login(carer_member)
    page = client.get(ERASE)
    assert page.status_code == 200
    assert "Erase your account?" in page.text

    # Signed in a while ago (no recent sign-in in this session): re-authenticate first.
    response = client.post(ERASE, {"confirm": "erase"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.get(pk=carer_member.pk).is_active

    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_erased")
    assert "Your account is erased" in response.text
    erased = User.objects.get(pk=carer_member.pk)
    assert erased.is_erased
    assert "_auth_user_id" not in client.session

    # Everywhere it is shown, what they wrote reads "Former member N".
    client.force_login(facilitator)
    page = client.get(proposal.get_absolute_url())
    assert page.status_code == 200
    assert erased.display_name in page.text
    assert "Steady Rowan" not in page.text
    assert verify_chain(project.pk).intact


def test_erasing_without_ticking_the_box_changes_nothing(
    client, carer_member: User, password: str
) -> None:
    client.force_login(carer_member)
    client.post(reverse("account_reauthenticate"), {"password": password})
    response = client.post(ERASE, {})
    assert response.status_code == 400
    assert "tick the box" in response.text
    assert User.objects.get(pk=carer_member.pk).is_active


def test_the_trail_and_its_export_show_the_erased_person_by_their_new_name(
    client, project: Project, facilitator: User, carer_member: User, manager: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    decision_services.proposal_create(
        actor=carer_member, stage=stage, title="Quiet room", body="Somewhere calm."
    )
    erased = account_erase(actor=carer_member, user=carer_member)
    name = erased.display_name

    client.force_login(manager)
    page = client.get(reverse("trail:trail", kwargs={"project_id": project.pk}))
    assert page.status_code == 200
    assert f"Proposal added by {name}" in page.text
    assert f"{name} joined as a member" in page.text
    assert f"{name} left the project" in page.text
    assert "Steady Rowan" not in page.text

    from trail.exports import csv_chunks
    from trail.selectors import TrailFilters

    exported = b"".join(csv_chunks(project, TrailFilters(), up_to=None)).decode()
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    header = rows[0]
    by_actor = [row for row in rows[1:] if row[header.index("actor_id")] == str(erased.pk)]
    assert by_actor
    assert {row[header.index("actor")] for row in by_actor} == {name}
    assert all("Steady Rowan" not in row[header.index("description")] for row in rows[1:])


def test_an_administrator_erases_an_account_from_the_admin(
    client, project: Project, carer_member: User
) -> None:
    admin = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    enable_totp(admin)
    client.post(reverse("account_login"), {"login": admin.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(admin)})
    response = client.post(
        reverse("admin:participants_user_changelist"),
        {"action": "erase_accounts", "_selected_action": [carer_member.pk, admin.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 account(s) erased." in response.text
    assert "Your own account was not erased" in response.text
    assert User.objects.get(pk=carer_member.pk).is_erased
    assert not User.objects.get(pk=admin.pk).is_erased
    assert AuditEvent.objects.get(action="account.erased").actor_id == admin.pk
    assert verify_chain(project.pk).intact
