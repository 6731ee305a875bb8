"""Plain-language lines: every known action, an unknown one, links, escaping, no names
for members, and votes as a count."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from coproduce.audit.events import EVENT_TYPES, Audience
from trail.describe import (
    WRITERS,
    DescribeContext,
    Place,
    Words,
    describe,
    describe_ballot_day,
    describe_for_members,
    describe_text,
)


@dataclass
class Event:
    action: str
    actor_label: str = "Warm Lark"
    actor_id: int | None = 1
    object_type: str = ""
    object_id: str = ""
    details: dict[str, Any] = field(default_factory=dict)


STAGE_ID = "7d4c9f1e-0000-4000-8000-000000000001"
CONTEXT = DescribeContext(
    project_url="/projects/p/",
    stages={STAGE_ID: Place("Priority setting", "/projects/p/stages/s/")},
)


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (Event("project.created", object_type="project"), "Project started by Warm Lark"),
        (
            Event(
                "project.updated", details={"changed": ["status"], "status": ["active", "finished"]}
            ),
            "Project marked as finished by Warm Lark",
        ),
        (
            Event("project.updated", details={"changed": ["purpose", "title"], "status": None}),
            "Project details changed by Warm Lark (purpose, name)",
        ),
        (
            Event("stage.voting_opened", object_type="stage", object_id=STAGE_ID),
            "Voting opened on 'Priority setting' by Warm Lark",
        ),
        (
            Event(
                "stage.voting_opened",
                actor_label="the system",
                actor_id=None,
                object_type="stage",
                object_id=STAGE_ID,
            ),
            "Voting opened on 'Priority setting' by the system (at the time set)",
        ),
        (
            Event(
                "stage.closed", object_type="stage", object_id=STAGE_ID, details={"from": "voting"}
            ),
            "Voting closed on 'Priority setting' by Warm Lark",
        ),
        (
            Event(
                "stage.closed", object_type="stage", object_id=STAGE_ID, details={"from": "open"}
            ),
            "Stage 'Priority setting' closed by Warm Lark",
        ),
        (
            Event(
                "stage.updated",
                object_type="stage",
                object_id=STAGE_ID,
                details={"closes_at": ["None", "2026-03-04"], "texts_changed": ["description"]},
            ),
            "Settings of 'Priority setting' changed by Warm Lark (closing date, description)",
        ),
        (
            Event("stage.deleted", details={"title": "Extra round", "position": 6}),
            "Stage 'Extra round' removed by Warm Lark",
        ),
        (
            Event("stage.moved", object_type="stage", object_id=STAGE_ID, details={"position": 3}),
            "Stage 'Priority setting' moved to position 3 by Warm Lark",
        ),
        (
            Event(
                "membership.started",
                actor_label="Quiet Heron",
                object_type="membership",
                details={"role": "member", "person": "Quiet Heron"},
            ),
            "Quiet Heron joined as a member",
        ),
        (
            Event(
                "membership.removed",
                object_type="membership",
                details={"role": "member", "person": "Quiet Heron"},
            ),
            "Quiet Heron removed from the project by Warm Lark",
        ),
        (
            Event("invitation.sent", details={"role": "observer"}),
            "Invitation to join as an observer sent by Warm Lark",
        ),
        (
            Event("proposal.merged", details={"originals": ["a", "b", "c"]}),
            "3 proposals combined into one by Warm Lark",
        ),
        (
            Event(
                "proposals.carried_forward",
                object_type="stage",
                object_id=STAGE_ID,
                details={"proposals": ["a"]},
            ),
            "1 proposal carried forward to 'Priority setting' by Warm Lark",
        ),
        (
            Event(
                "trail.exported", details={"format": "csv", "filters": {"action": "group:votes"}}
            ),
            "Record exported as CSV, filtered, by Warm Lark",
        ),
        (
            Event("profile.updated", details={"changed": ["display_name", "time_zone"]}),
            "Warm Lark changed their details (display name, time zone)",
        ),
        (
            Event("account.signed_in", details={"methods": ["mfa", "password"]}),
            "Warm Lark signed in",
        ),
        (
            Event("decision.recorded", object_type="decisionrecord", details={"stage": STAGE_ID}),
            "Decision for 'Priority setting' recorded by Warm Lark",
        ),
        (
            Event("ballot.cast", object_type="", details={"stage": STAGE_ID}),
            "Ballot cast by Warm Lark",  # never shown one by one: see ballot_days
        ),
        (
            Event("mfa.authenticator_added", details={"type": "totp"}),
            "Warm Lark switched on an authenticator app",
        ),
    ],
)
def test_each_action_reads_as_a_plain_sentence(event: Event, line: str) -> None:
    assert describe(event, CONTEXT).text == line
    assert describe_text(event, DescribeContext(stages=CONTEXT.stages)) == line


def test_every_known_action_has_a_line_that_names_no_placeholder() -> None:
    for action in WRITERS:
        text = describe(Event(action), CONTEXT).text
        assert "%(" not in text
        assert text


def test_every_registered_event_type_reads_as_a_sentence_and_only_those_have_writers() -> None:
    shown_one_by_one = {
        name for name, found in EVENT_TYPES.items() if found.seen_by != Audience.COUNTS_ONLY
    }
    assert set(WRITERS) == shown_one_by_one
    for name, found in EVENT_TYPES.items():
        if found.seen_by == Audience.COUNTS_ONLY:
            continue
        line = describe(Event(name), CONTEXT).text
        assert line
        assert "%(" not in line
        if "%(" not in found.sentence.replace("%(actor)s", ""):
            # A sentence with no other placeholder reads exactly as the registry has it.
            assert line == found.sentence % {"actor": "Warm Lark"}


def test_an_unknown_action_gets_a_sensible_line() -> None:
    assert describe(Event("decision.record_published"), CONTEXT).text == (
        "Decision record published by Warm Lark"
    )
    assert describe(Event("x"), CONTEXT).text == "X by Warm Lark"


def test_a_stage_that_was_removed_keeps_the_title_the_event_kept() -> None:
    event = Event("stage.opened", object_type="stage", object_id="gone", details={"title": "Old"})
    assert describe(event, CONTEXT).text == "Stage 'Old' opened by Warm Lark"
    no_title = Event("stage.opened", object_type="stage", object_id="gone")
    assert "a stage that was removed" in describe(no_title, CONTEXT).text


def test_lines_link_to_what_they_are_about() -> None:
    stage_line = describe(Event("stage.opened", object_type="stage", object_id=STAGE_ID), CONTEXT)
    assert '<a href="/projects/p/stages/s/">Priority setting</a>' in stage_line.html
    assert describe(Event("membership.left", object_type="membership"), CONTEXT).link is None
    project_line = describe(Event("project.created", object_type="project"), CONTEXT)
    assert project_line.link == Place("Open the project", "/projects/p/")
    proposal = Event(
        "proposal.created", object_type="proposal", object_id="9", details={"stage": STAGE_ID}
    )
    assert describe(proposal, CONTEXT).link.url == "/projects/p/stages/s/"
    with_url = DescribeContext(stages=CONTEXT.stages, proposal_urls={"9": "/proposal/9/"})
    assert describe(proposal, with_url).link == Place("Open the proposal", "/proposal/9/")


def test_names_are_escaped_in_the_page() -> None:
    event = Event("project.created", actor_label="<script>alert(1)</script>")
    line = describe(event, CONTEXT)
    assert "<script>" not in line.html
    assert "&lt;script&gt;" in line.html
    assert line.text == "Project started by <script>alert(1)</script>"


def test_a_stage_settings_change_shows_before_and_after() -> None:
    event = Event(
        "stage.updated",
        object_type="stage",
        object_id=STAGE_ID,
        details={"voting_method": ["none", "dots"], "texts_changed": []},
    )
    assert describe(event, CONTEXT).changes == (("Voting method", "none", "dots"),)


def test_the_members_history_names_nobody() -> None:
    member_joined = Event(
        "membership.started",
        actor_label="Quiet Heron",
        details={"role": "member", "person": "Quiet Heron"},
    )
    removed = Event("membership.removed", details={"role": "member", "person": "Quiet Heron"})
    voting = Event("stage.voting_opened", object_type="stage", object_id=STAGE_ID)
    lines = [
        describe_for_members(event, CONTEXT).text for event in (member_joined, removed, voting)
    ]
    assert lines == [
        "A member joined the project",
        "A member left the project",
        "Voting opened on 'Priority setting'",
    ]
    assert not any("Heron" in line or "Lark" in line for line in lines)


def test_votes_read_as_a_count_of_members() -> None:
    words = Words()
    place = CONTEXT.stages[STAGE_ID]
    one = describe_ballot_day(
        action="ballot.cast", members=1, stage_title=place.title, stage=place, words=words
    )
    three = describe_ballot_day(
        action="ballot.cast", members=3, stage_title="X", stage=None, words=words
    )
    odd = describe_ballot_day(
        action="ballot.spoiled", members=2, stage_title="X", stage=None, words=words
    )
    assert one.text == "1 member voted in 'Priority setting'"
    assert three.text == "3 members voted in 'X'"
    assert odd.text == "2 members in 'X': Ballot spoiled"


def test_a_line_made_of_action_and_person_only_is_written_once_per_person() -> None:
    context = DescribeContext()
    first = describe_text(Event("comment.created", actor_label="Quiet Heron"), context)
    again = describe_text(Event("comment.created", actor_label="Quiet Heron"), context)
    other = describe_text(Event("comment.created", actor_label="Clear Brook"), context)
    assert first is again
    assert other == "Comment added by Clear Brook"
    # Lines that depend on details are never reused for another event.
    describe_text(Event("invitation.sent", details={"role": "member"}), context)
    assert describe_text(Event("invitation.sent", details={"role": "observer"}), context) == (
        "Invitation to join as an observer sent by Warm Lark"
    )
