"""Reads for the evidence pages and the report: a fixed number of queries each, however
many proposals, comments and members a project has."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.http import Http404

from decisions.models import SMALLEST_GROUP_FLOOR, Comment, Participation, Proposal
from delivery.models import ACTIONABLE_ANSWERS, Action, Recommendation, Response
from evidence import figures
from evidence.models import DEFAULT_STATEMENTS, Pulse, PulseAnswer, ReflectionAnswer, Report, Rung
from projects import permissions as project_permissions
from projects.models import Membership, Project, Role, Stage
from projects.selectors import remember_rights_of_projects


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


@dataclass(frozen=True)
class Gathered:
    stages: list[Stage]
    inputs: figures.Inputs


def gather(project: Project) -> Gathered:
    """Everything the power-balance figures need, in seven queries."""
    return gather_many([project])[project.pk]


def gather_many(projects: Sequence[Project]) -> dict[Any, Gathered]:
    """What `gather` reads, for many projects at once: the same seven queries, however
    many projects (the organisation's view), by project id."""
    ids = [project.pk for project in projects]
    # A person's group in a project is the one of their latest membership there (they
    # may have left).
    group_of: dict[Any, dict[Any, str]] = {pk: {} for pk in ids}
    members: dict[Any, dict[str, int]] = {pk: {} for pk in ids}
    for project_id, user_id, constituency, left_at in (
        Membership.objects.filter(project_id__in=ids, role=Role.MEMBER)
        .order_by("joined_at")
        .values_list("project_id", "user_id", "constituency", "left_at")
    ):
        group_of[project_id][user_id] = constituency
        if left_at is None:
            counted = members[project_id]
            counted[constituency] = counted.get(constituency, 0) + 1
    stages: dict[Any, list[Stage]] = {pk: [] for pk in ids}
    for stage in Stage.objects.filter(project_id__in=ids).select_related("decision"):
        stages[stage.project_id].append(stage)
    nodes: dict[Any, list[figures.ProposalNode]] = {pk: [] for pk in ids}
    for project_id, pk, stage_id, author_id, merged, carried, status in Proposal.objects.filter(
        stage__project_id__in=ids
    ).values_list(
        "stage__project_id",
        "id",
        "stage_id",
        "author_id",
        "merged_into_id",
        "carried_from_id",
        "status",
    ):
        nodes[project_id].append(
            figures.ProposalNode(
                id=str(pk),
                stage_id=str(stage_id),
                constituency=group_of[project_id].get(author_id, "") if author_id else "",
                merged_into=str(merged) if merged else None,
                carried_from=str(carried) if carried else None,
                withdrawn=status == Proposal.Status.WITHDRAWN,
            )
        )
    comments: dict[Any, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    for project_id, stage_id, author_id, count in (
        Comment.objects.filter(proposal__stage__project_id__in=ids, deleted_at__isnull=True)
        .values_list("proposal__stage__project_id", "proposal__stage_id", "author_id")
        .annotate(count=Count("id"))
        .order_by()
    ):
        group = group_of[project_id].get(author_id)
        if group:  # facilitators' comments are not a constituency's
            per = comments[project_id].setdefault(str(stage_id), {})
            per[group] = per.get(group, 0) + count
    # Turnout from who voted (participation), never from the secret ballots.
    voters: dict[Any, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    helped: dict[Any, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    for project_id, stage_id, user_id, with_help in Participation.objects.filter(
        stage__project_id__in=ids
    ).values_list("stage__project_id", "stage_id", "user_id", "with_help"):
        group = group_of[project_id].get(user_id)
        if group:
            per = voters[project_id].setdefault(str(stage_id), {})
            per[group] = per.get(group, 0) + 1
            if with_help:
                per = helped[project_id].setdefault(str(stage_id), {})
                per[group] = per.get(group, 0) + 1
    # What the organisation did with it: recommendations whose latest response accepts
    # them (in full or in part), and who owns the confirmed delivery actions.
    latest_answer = (
        Response.objects.filter(recommendation=OuterRef("pk"))
        .order_by("-version")
        .values("answer")[:1]
    )
    accepted: dict[Any, list[str]] = {pk: [] for pk in ids}
    for project_id, proposal_id in (
        Recommendation.objects.filter(project_id__in=ids)
        .annotate(answer=Subquery(latest_answer))
        .filter(answer__in=ACTIONABLE_ANSWERS)
        .values_list("project_id", "proposal_id")
    ):
        accepted[project_id].append(str(proposal_id))
    actions_owned: dict[Any, dict[str, int]] = {pk: {} for pk in ids}
    for project_id, owner_id in Action.objects.filter(
        recommendation__project_id__in=ids, confirmed_at__isnull=False
    ).values_list("recommendation__project_id", "owner_id"):
        group = group_of[project_id].get(owner_id)
        if group:  # actions owned by facilitators and sponsors are not a constituency's
            owned = actions_owned[project_id]
            owned[group] = owned.get(group, 0) + 1
    return {
        pk: _gathered(
            stages[pk],
            members[pk],
            nodes[pk],
            comments[pk],
            voters[pk],
            helped[pk],
            tuple(accepted[pk]),
            actions_owned[pk],
        )
        for pk in ids
    }


def _gathered(
    stages: list[Stage],
    members: dict[str, int],
    nodes: list[figures.ProposalNode],
    comments: dict[str, dict[str, int]],
    voters: dict[str, dict[str, int]],
    helped: dict[str, dict[str, int]],
    accepted: tuple[str, ...],
    actions_owned: dict[str, int],
) -> Gathered:
    """One project's figures' inputs from what `gather_many` read."""
    stages = sorted(stages, key=lambda stage: stage.position)
    stage_of = {node.id: node.stage_id for node in nodes}
    carried_on: dict[str, list[str]] = {}
    for node in nodes:
        if node.carried_from and node.carried_from in stage_of:
            carried_on.setdefault(stage_of[node.carried_from], []).append(node.carried_from)
    facts = []
    for stage in stages:
        record = getattr(stage, "decision", None)
        options: tuple[str, ...] = ()
        adopted: tuple[str, ...] = ()
        if record is not None:
            options = tuple(str(row["option"]) for row in record.table.get("rows", []))
            adopted = tuple(
                figures.adopted_from_rows(
                    record.voting_method, record.table.get("rows", []), sum(record.turnout.values())
                )
            )
        facts.append(
            figures.StageFacts(
                id=str(stage.pk),
                title=stage.title,
                position=stage.position,
                options=options,
                adopted=adopted,
                carried_on=tuple(carried_on.get(str(stage.pk), ())),
            )
        )
    inputs = figures.Inputs(
        members=members,
        stages=facts,
        proposals=nodes,
        comments=comments,
        voters=voters,
        smallest=SMALLEST_GROUP_FLOOR,
        helped=helped,
        accepted=accepted,
        actions_owned=actions_owned,
    )
    return Gathered(stages=stages, inputs=inputs)


def power_balance(project: Project) -> tuple[list[Stage], figures.PowerBalance]:
    gathered = gather(project)
    return gathered.stages, figures.power_balance(gathered.inputs)


# --- Reflection ------------------------------------------------------------------


def stage_reflections(stage: Stage) -> list[dict[str, Any]]:
    """Each question with its answers (hidden ones keep their place and reason): named
    answers by the day they were written, then anonymous ones in the order of their
    random ids, so where an anonymous answer stands never tells its day."""
    answers = sorted(
        ReflectionAnswer.objects.filter(stage=stage).select_related("author"),
        key=lambda answer: (
            answer.author_id is None,
            answer.written_on if answer.author_id is not None else None,
            str(answer.pk),
        ),
    )
    return [
        {
            "number": number,
            "question": question,
            "answers": [answer for answer in answers if answer.question == question],
        }
        for number, question in enumerate(stage.question_list, start=1)
    ]


def get_reflection(stage: Stage, answer_id: object) -> ReflectionAnswer:
    answer = ReflectionAnswer.objects.filter(stage=stage, pk=_uuid(answer_id)).first()
    if answer is None:
        raise Http404
    answer.stage = stage
    return answer


def reflection_counts(project: Project) -> dict[Any, int]:
    """How many answers each stage has (hidden ones left out), by stage id: one query."""
    rows = (
        ReflectionAnswer.objects.filter(stage__project=project, hidden=False)
        .values_list("stage_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return dict(rows)


# --- The pulse -------------------------------------------------------------------


def pulse_for(stage: Stage) -> Pulse:
    """The stage's pulse; one not yet set reads its defaults unsaved (reading never writes)."""
    pulse = Pulse.objects.filter(stage=stage).first()
    if pulse is None:
        pulse = Pulse(stage=stage, statements=list(DEFAULT_STATEMENTS))
    pulse.stage = stage
    return pulse


def has_answered(pulse: Pulse, user: Any) -> bool:
    return pulse.pk is not None and pulse.taken.filter(user_id=user.pk).exists()


def pulse_results(pulses: Sequence[Pulse]) -> dict[Any, figures.PulseResult]:
    """Results of closed pulses only (sealed): one query for all of them."""
    closed = [pulse for pulse in pulses if pulse.closed_at is not None]
    answers: dict[Any, list[tuple[str, list[int | None], str]]] = {p.pk: [] for p in closed}
    for pulse_id, constituency, scores, rung in PulseAnswer.objects.filter(
        pulse__in=closed, sealed=True
    ).values_list("pulse_id", "constituency", "scores", "rung"):
        answers[pulse_id].append((constituency, scores, rung))
    return {
        pulse.pk: figures.pulse_result(
            answers[pulse.pk],
            statements=len(pulse.statements),
            rungs=Rung.values,
            smallest=SMALLEST_GROUP_FLOOR,
        )
        for pulse in closed
    }


def pulse_rows(pulse: Pulse, result: figures.PulseResult | None) -> list[dict[str, Any]]:
    """One row per statement: everyone's average and each shown group's."""
    if result is None or result.withheld or not result.answers:
        return []
    return [
        {
            "statement": statement,
            "everyone": result.means[index],
            "groups": [group.means[index] for group in result.groups],
        }
        for index, statement in enumerate(pulse.statements)
    ]


def project_pulses(project: Project) -> list[dict[str, Any]]:
    """Each stage's pulse with its result (closed) and the trend: two queries."""
    return pulses_of_projects([project])[project.pk]


def pulses_of_projects(projects: Sequence[Project]) -> dict[Any, list[dict[str, Any]]]:
    """`project_pulses` for many projects at once, by project id: two queries."""
    pulses = list(
        Pulse.objects.filter(
            stage__project_id__in=[project.pk for project in projects], opened_at__isnull=False
        )
        .select_related("stage")
        .annotate(answered=Count("taken"))
        .order_by("stage__position")
    )
    results = pulse_results(pulses)
    labels = dict(Rung.choices)
    rows: dict[Any, list[dict[str, Any]]] = {project.pk: [] for project in projects}
    for project in projects:
        own = [pulse for pulse in pulses if pulse.stage.project_id == project.pk]
        trend = iter(figures.trend([results[p.pk] for p in own if p.pk in results]))
        for pulse in own:
            result = results.get(pulse.pk)
            rows[project.pk].append(
                {
                    "pulse": pulse,
                    "stage": pulse.stage,
                    "answered": pulse.answered,
                    "result": result,
                    "average": next(trend) if result is not None else None,
                    "statements": pulse_rows(pulse, result),
                    "ladder": [(labels[rung], share) for rung, share in result.ladder]
                    if result
                    else [],
                }
            )
    return rows


# --- Reports ---------------------------------------------------------------------


def project_reports(project: Project) -> list[Report]:
    return list(
        Report.objects.filter(project=project)
        .select_related("made_by")
        .defer("html", "pdf")
        .order_by("-made_at")
    )


def get_report(project: Project, report_id: object) -> Report:
    report = (
        Report.objects.filter(project=project, pk=_uuid(report_id))
        .select_related("made_by")
        .first()
    )
    if report is None:
        raise Http404
    return report


# --- The organisation's view -------------------------------------------------------


def observed_projects(user: Any) -> list[Project]:
    """The projects the person oversees (as observer or sponsor) and may see, with their
    stages, reports and the person's rights on each: four queries, however many."""
    projects = list(
        Project.objects.filter(
            memberships__user=user,
            memberships__role__in=(Role.OBSERVER, Role.SPONSOR),
            memberships__left_at__isnull=True,
        )
        .prefetch_related(
            Prefetch("stages", queryset=Stage.objects.order_by("position")),
            Prefetch(
                "reports",
                queryset=Report.objects.defer("html", "pdf").order_by("-made_at"),
            ),
        )
        .order_by("title")
        .distinct()
    )
    remember_rights_of_projects(user, projects)
    return [project for project in projects if project_permissions.can_view_project(user, project)]
