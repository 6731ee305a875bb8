"""Demo evidence for `seed_demo`: a project with a year of history (two closed stages,
answered pulses, reflections, a report) so that every chart and the report show
something real; and reflections in the main demo project's open stage.

Everything goes through the services, as people would do it. Safe to run again: a
project already made is left as it is.
"""

from __future__ import annotations

from django.db.models import Q

from decisions import services as decision_services
from decisions.models import Proposal
from evidence import services
from evidence.models import Pulse, ReflectionAnswer
from participants.models import User
from projects import services as project_services
from projects.models import Membership, Project, Stage

HISTORY_PROJECT_TITLE = "Leaving hospital safely: what we did last year"
HISTORY_PURPOSE = (
    "People who have left a mental health ward, their carers and ward staff decided "
    "together what should change about the day people go home, and changed it."
)
HISTORY_GROUND_RULES = (
    "We treat each other with respect.\n"
    "Everyone's experience counts the same.\n"
    "Each member has one vote, and votes are secret."
)
# More members, so each group has three people and its own figures can be shown.
EXTRA_MEMBERS = (
    ("history-lived-1@example.org", "Bright Wren", "lived_experience"),
    ("history-lived-2@example.org", "Calm Otter", "lived_experience"),
    ("history-carer-1@example.org", "Kind Alder", "carer"),
    ("history-carer-2@example.org", "Gentle Moss", "carer"),
    ("history-clinician-1@example.org", "Patient Elm", "clinician"),
    ("history-clinician-2@example.org", "Open Meadow", "clinician"),
)
IDEAS = {
    "lived_experience": (
        "Nobody told me my follow-up appointment",
        "I went home with no medication",
        "I did not know who to call",
    ),
    "carer": ("We found out the day after", "Nobody asked if home was ready", "Carers' number"),
    "clinician": ("Discharge at 6pm on a Friday", "No time to write the plan", "Pharmacy delays"),
}
# How each group scores the pulse's four statements, stage by stage (1 to 5).
PULSE_SCORES = {
    1: {"lived_experience": [4, 3, 4, 4], "carer": [3, 3, 3, 4], "clinician": [4, 4, 4, 3]},
    2: {"lived_experience": [5, 4, 4, 5], "carer": [4, 4, 5, 4], "clinician": [4, 4, 5, 4]},
}
PULSE_RUNGS = {1: "engaging", 2: "co_production"}


def _member(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, display_name=name)
    return user


def _join(project: Project, facilitator: User, user: User, constituency: str) -> None:
    if Membership.objects.filter(project=project, user=user, left_at__isnull=True).exists():
        return
    _invitation, token = project_services.invitation_create(
        actor=facilitator, project=project, email=user.email, role="member"
    )
    project_services.invitation_accept(
        actor=user, token=token, constituency=constituency, accepts_ground_rules=True
    )


def evidence_demo_ensure(*, facilitator: User, observer: User, members: dict[str, User]) -> Project:
    """Give the demo its evidence. `members` are the demo's members by constituency."""
    main = Project.objects.filter(created_by=facilitator).exclude(
        title=HISTORY_PROJECT_TITLE
    ).order_by("created_at").first()  # fmt: skip
    if main is not None:
        _reflections_in_open_stage(main, members)
    project = Project.objects.filter(title=HISTORY_PROJECT_TITLE, created_by=facilitator).first()
    if project is not None:
        return project
    project = project_services.project_create(
        actor=facilitator,
        title=HISTORY_PROJECT_TITLE,
        purpose=HISTORY_PURPOSE,
        ground_rules=HISTORY_GROUND_RULES,
    )
    people = {group: [person] for group, person in members.items()}
    for email, name, group in EXTRA_MEMBERS:
        people[group].append(_member(email, name))
    for group, persons in people.items():
        for person in persons:
            _join(project, facilitator, person, group)
    _invitation, token = project_services.invitation_create(
        actor=facilitator, project=project, email=observer.email, role="observer"
    )
    project_services.invitation_accept(
        actor=observer, token=token, constituency="", accepts_ground_rules=True
    )
    _history(project, facilitator, observer, people)
    return project


def _history(
    project: Project, facilitator: User, observer: User, people: dict[str, list[User]]
) -> None:
    first = project.stages.get(position=1)
    first = project_services.stage_transition(actor=facilitator, stage=first, to_state="open")
    ideas: dict[str, list[Proposal]] = {}
    for group, titles in IDEAS.items():
        ideas[group] = [
            decision_services.proposal_create(
                actor=people[group][number], stage=first, title=title, body="In our own words."
            )
            for number, title in enumerate(titles)
        ]
    decision_services.comment_create(
        actor=people["clinician"][0],
        proposal=ideas["lived_experience"][0],
        body="We see this often: the letter goes out after people have left.",
    )
    decision_services.comment_create(
        actor=people["lived_experience"][1],
        proposal=ideas["carer"][1],
        body="Yes: nobody checked whether I had food in.",
    )
    merged = decision_services.proposal_merge(
        actor=facilitator,
        stage=first,
        proposals=[ideas["lived_experience"][0], ideas["lived_experience"][2], ideas["carer"][2]],
        title="Everyone leaves knowing who to call and when they are next seen",
        body="Combined from three ideas that said the same.",
        note="They ask for the same thing.",
    )
    _reflect(first, people)
    first = project_services.stage_transition(actor=facilitator, stage=first, to_state="closed")
    _answer_pulse(first, people, 1)
    second = project.stages.get(position=2)
    decision_services.voting_rules_update(
        actor=facilitator, stage=second, voting_method="dots", dots_per_member=2
    )
    carried = decision_services.proposals_carry_forward(
        actor=facilitator,
        from_stage=first,
        to_stage=second,
        proposals=[merged, ideas["carer"][1], ideas["clinician"][0]],
    )
    second = project_services.stage_transition(actor=facilitator, stage=second, to_state="open")
    second = project_services.stage_transition(actor=facilitator, stage=second, to_state="voting")
    choices = {
        "lived_experience": [carried[0], carried[1]],
        "carer": [carried[0], carried[1]],
        "clinician": [carried[0], carried[2]],
    }
    for group, persons in people.items():
        for person in persons:
            decision_services.ballot_cast(
                actor=person,
                stage=Stage.objects.get(pk=second.pk),
                raw={str(option.pk): 1 for option in choices[group]},
            )
    record = decision_services.voting_close(actor=facilitator, stage=second)
    decision_services.decision_note_write(
        actor=facilitator,
        record_=record,
        rationale="Every group put knowing who to call first. We start there.",
        dissent="Some clinicians wanted Friday discharges first.",
        next_steps="A discharge card with one number, tried on two wards.",
    )
    _reflect(Stage.objects.select_related("project").get(pk=second.pk), people)
    _answer_pulse(Stage.objects.get(pk=second.pk), people, 2)
    services.report_make(actor=observer, project=project)


def _reflect(stage: Stage, people: dict[str, list[User]]) -> None:
    stage = Stage.objects.select_related("project").get(pk=stage.pk)
    if not stage.question_list:
        return
    services.reflection_answer_create(
        actor=people["lived_experience"][0],
        stage=stage,
        question_number=1,
        body="For once the people who have been through it spoke first.",
        anonymous=False,
    )
    services.reflection_answer_create(
        actor=people["clinician"][1],
        stage=stage,
        question_number=len(stage.question_list),
        body="I was unsure whether I could disagree with my manager here.",
        anonymous=True,
    )


def _answer_pulse(stage: Stage, people: dict[str, list[User]], number: int) -> None:
    pulse = services.pulse_open(actor=None, stage_id=stage.pk)
    if pulse is None:
        return
    pulse = Pulse.objects.select_related("stage__project").get(pk=pulse.pk)
    for group, persons in people.items():
        for index, person in enumerate(persons):
            scores = [max(1, min(5, score - (index % 2))) for score in PULSE_SCORES[number][group]]
            services.pulse_answer(
                actor=person, pulse=pulse, scores=scores, rung=PULSE_RUNGS[number]
            )
    services.pulse_close(actor=None, pulse=pulse)


def _reflections_in_open_stage(project: Project, members: dict[str, User]) -> None:
    stage = (
        project.stages.select_related("project")
        .filter(~Q(state=Stage.State.DRAFT))
        .order_by("position")
        .first()
    )
    if stage is None or not stage.question_list:
        return
    if ReflectionAnswer.objects.filter(stage=stage).exists():
        return
    services.reflection_answer_create(
        actor=members["carer"],
        stage=stage,
        question_number=1,
        body="I said things about night care I have never said to staff before.",
        anonymous=False,
    )
    services.reflection_answer_create(
        actor=members["lived_experience"],
        stage=stage,
        question_number=1,
        body="I was nervous, but nobody talked over me.",
        anonymous=True,
    )
