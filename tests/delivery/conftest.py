from __future__ import annotations

import pytest

from delivery.models import Recommendation
from participants.models import User
from projects.models import Project
from tests.delivery import helpers


@pytest.fixture
def sponsor(project: Project) -> User:
    return helpers.add_sponsor(project)


@pytest.fixture
def members(
    lived_experience_member: User, carer_member: User, clinician_member: User
) -> list[User]:
    return [lived_experience_member, carer_member, clinician_member]


@pytest.fixture
def recs(project: Project, facilitator: User, members: list[User]) -> list[Recommendation]:
    """The three recommendations of a closed dots vote in the project."""
    return helpers.recommendations(project, facilitator, members)
