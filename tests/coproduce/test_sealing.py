"""The one sealing helper every app uses (ballots, pulse answers, anonymous reflections)."""

from __future__ import annotations

import pytest

from coproduce.sealing import rows_seal
from decisions.models import Ballot
from participants.models import User


@pytest.mark.django_db(transaction=True)
def test_sealing_refuses_to_run_outside_the_closing_transaction() -> None:
    # Outside a transaction the old rows would be deleted and the new ones written in
    # separate commits: a failure between them would lose what people said.
    with pytest.raises(RuntimeError, match="inside the transaction"):
        rows_seal(Ballot.objects.all(), keep=("stage_id", "constituency", "content"))


@pytest.mark.django_db
def test_only_rows_with_a_random_id_can_be_sealed() -> None:
    # A sequential id would keep the order the rows came in.
    with pytest.raises(TypeError, match="UUID"):
        rows_seal(User.objects.all(), keep=("email",))
