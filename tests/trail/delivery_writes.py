"""The delivery services for tests/trail/test_completeness.py: how to run each write and the
events it must record. Kept beside it so that each app's list stays in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

import delivery.services
from tests.trail.completeness_cast import (
    Cast,
    Run,
)


def _delivery_record(cast: Cast):  # type: ignore[no-untyped-def]
    from tests.delivery import helpers

    return helpers.closed_vote(cast.project, cast.facilitator, [cast.member])


def _delivery_start(cast: Cast, answer: str = "accepted"):  # type: ignore[no-untyped-def]
    """A closed vote's first recommendation, a sponsor, and (unless None) a response."""
    from tests.delivery import helpers

    sponsor = helpers.add_sponsor(cast.project)
    recommendation = helpers.recommendations(cast.project, cast.facilitator, [cast.member])[0]
    if answer:
        helpers.respond(sponsor, recommendation, answer)
    return sponsor, helpers.fresh(recommendation)


def _delivery_action(cast: Cast, confirmed: bool = True):  # type: ignore[no-untyped-def]
    from tests.delivery import helpers

    sponsor, recommendation = _delivery_start(cast)
    if confirmed:
        return helpers.fresh_action(helpers.confirmed_action(sponsor, recommendation, cast.member))
    return sponsor, delivery.services.action_propose(
        actor=cast.member,
        recommendation=recommendation,
        title="t",
        done_looks_like="d",
        owner=cast.member,
        due_on=timezone.localdate(),
    )


DELIVERY_WRITES: dict[str, tuple[Callable[[Cast], Run], set[str]]] = {
    "recommendations_from_decision": (
        lambda c: (
            lambda r=_delivery_record(c): delivery.services.recommendations_from_decision(record=r)
        ),
        {"delivery.recommendations_created"},
    ),
    "recommendations_sweep": (
        lambda c: lambda r=_delivery_record(c): delivery.services.recommendations_sweep(),
        {"delivery.recommendations_created"},
    ),
    "response_due_set": (
        lambda c: (
            lambda r=_delivery_start(c, answer="")[1]: delivery.services.response_due_set(
                actor=c.facilitator, recommendation=r, due_on=timezone.localdate()
            )
        ),
        {"delivery.response_due_set"},
    ),
    "response_write": (
        lambda c: (
            lambda start=_delivery_start(c, answer=""): delivery.services.response_write(
                actor=start[0],
                recommendation=start[1],
                answer="declined",
                reasons="No money",
                next_steps="Ask again next year",
            )
        ),
        {"delivery.response_written"},
    ),
    "recommendation_comment_create": (
        lambda c: (
            lambda r=_delivery_start(c, answer="declined")[1]: (
                delivery.services.recommendation_comment_create(
                    actor=c.member, recommendation=r, body="We disagree"
                )
            )
        ),
        {"delivery.comment_created"},
    ),
    "action_propose": (
        lambda c: (
            lambda r=_delivery_start(c)[1]: delivery.services.action_propose(
                actor=c.member,
                recommendation=r,
                title="t",
                done_looks_like="d",
                owner=c.member,
                due_on=timezone.localdate(),
            )
        ),
        {"delivery.action_proposed"},
    ),
    "action_confirm": (
        lambda c: (
            lambda pair=_delivery_action(c, confirmed=False): delivery.services.action_confirm(
                actor=pair[0], action=pair[1]
            )
        ),
        {"delivery.action_confirmed"},
    ),
    "action_change": (
        lambda c: (
            lambda a=_delivery_action(c): delivery.services.action_change(
                actor=c.facilitator,
                action=a,
                owner=c.facilitator,
                due_on=timezone.localdate() + timedelta(days=60),
            )
        ),
        {"delivery.action_changed"},
    ),
    "action_status_change": (
        lambda c: (
            lambda a=_delivery_action(c): delivery.services.action_status_change(
                actor=c.member, action=a, status="in_progress"
            )
        ),
        {"delivery.action_status_changed"},
    ),
    "action_update_post": (
        lambda c: (
            lambda a=_delivery_action(c): delivery.services.action_update_post(
                actor=c.member, action=a, text="Going well", evidence_url="https://example.org/r"
            )
        ),
        {"delivery.action_update_posted"},
    ),
    "action_comment_create": (
        lambda c: (
            lambda a=_delivery_action(c): delivery.services.action_comment_create(
                actor=c.member, action=a, body="Thanks"
            )
        ),
        {"delivery.comment_created"},
    ),
    "review_options_create": (
        lambda c: (
            lambda stage=_review_stage(c): delivery.services.review_options_create(
                actor=c.facilitator, stage=stage
            )
        ),
        {"delivery.review_options_created", "stage.updated"},
    ),
    "report_publish": (
        lambda c: lambda: delivery.services.report_publish(actor=c.facilitator, project=c.project),
        {"delivery.report_published"},
    ),
    "report_withdraw": (
        lambda c: (
            lambda _published=delivery.services.report_publish(actor=c.facilitator, project=c.project): (
                delivery.services.report_withdraw(actor=c.facilitator, project=c.project)
            )
        ),
        {"delivery.report_withdrawn"},
    ),
}


def _review_stage(cast: Cast):  # type: ignore[no-untyped-def]
    """The project's review stage, with a recommendation acted on (a confirmed action)."""
    _delivery_action(cast)
    return cast.project.stages.select_related("project").get(kind="review")
