"""The counting rules on worked examples, figured out by hand in the comments: the module
itself, dots and approval (ranking, consent and scoring have files of their own)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from fractions import Fraction

import pytest

from decisions.counting import (
    CONSTITUENCIES,
    BallotError,
    Counting,
    DotsBallot,
    DotsRules,
    RankingRules,
    count_dots,
    count_ranking,
    validate_dots_ballot,
)

EQUAL = Counting.EQUAL_CONSTITUENCIES
LIVED, CARER, CLINICIAN = "lived_experience", "carer", "clinician"


# --- The module itself ---------------------------------------------------------------------


def test_the_counting_rules_load_without_django_or_the_database() -> None:
    code = (
        "import sys, decisions.counting; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'psycopg2')); "
        "print(loaded)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="."
    )
    assert run.stdout.strip() == "[]"


def test_the_constituencies_are_the_ones_people_choose_from() -> None:
    from participants.models import Constituency

    assert tuple(Constituency.values) == CONSTITUENCIES


def test_the_ways_of_counting_are_the_ones_a_stage_offers() -> None:
    from decisions.models import Counting as CountingChoice

    assert {counting.value for counting in Counting} == set(CountingChoice.values)


def test_a_result_cannot_be_changed_but_can_be_pickled_and_read_as_json() -> None:
    result = count_dots([DotsBallot(LIVED, {"A": 2})], options=["A", "B"], rules=DotsRules(dots=2))
    with pytest.raises(TypeError, match="cannot be changed"):
        result.totals["A"] = Fraction(99)  # type: ignore[index]
    with pytest.raises(TypeError):
        result.constituencies.clear()  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(result)) == result  # noqa: S301 (pickled just above)
    assert json.loads(json.dumps(result.constituencies[LIVED].order)) == ["A", "B"]


def test_an_unknown_constituency_or_way_of_counting_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown constituency 'patients'"):
        count_dots([("patients", {"A": 1})], options=["A"], rules=DotsRules(dots=1))
    with pytest.raises(ValueError, match="Unknown way of counting"):
        count_dots([], options=["A"], rules=DotsRules(dots=1), counting="by_shouting")


def test_an_option_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        count_ranking([], options=["A", "A"], rules=RankingRules(max_ranks=1))


# --- Dots and approval -----------------------------------------------------------------------


def test_dots_one_person_one_vote_and_equal_constituencies_can_disagree() -> None:
    # Two dots each, stacking allowed.
    #   3 people with lived experience: {A: 2} each      -> A 6
    #   1 carer:                        {B: 2}           -> B 2
    #   1 clinician:                    {B: 1, C: 1}     -> B 1, C 1
    # One person, one vote: A 6, B 3, C 1, so A, B, C.
    # Equal constituencies, each weighs 1 (per ballot 1/3, 1 and 1):
    #   A 6/3 = 2; B 2/1 + 1/1 = 3; C 1/1 = 1, so B, A, C.
    ballots = [DotsBallot(LIVED, {"A": 2})] * 3 + [
        DotsBallot(CARER, {"B": 2}),
        DotsBallot(CLINICIAN, {"B": 1, "C": 1}),
    ]
    rules = DotsRules(dots=2)

    one = count_dots(ballots, options=["A", "B", "C"], rules=rules)
    assert one.totals == {"A": 6, "B": 3, "C": 1}
    assert one.supporters == {"A": 3, "B": 2, "C": 1}
    assert one.order == ("A", "B", "C")
    assert one.ballots == 5
    assert not one.decided_by_tie_break
    assert one.weights == {LIVED: 1, CARER: 1, CLINICIAN: 1}

    equal = count_dots(ballots, options=["A", "B", "C"], rules=rules, counting=EQUAL)
    assert equal.totals == {"A": 2, "B": 3, "C": 1}
    assert equal.order == ("B", "A", "C")
    assert equal.weights == {LIVED: Fraction(1, 3), CARER: 1, CLINICIAN: 1}

    # The parts are each constituency alone, and add up to the one-person-one-vote whole.
    assert list(one.constituencies) == [LIVED, CARER, CLINICIAN]
    assert one.constituencies[LIVED].totals == {"A": 6, "B": 0, "C": 0}
    assert one.constituencies[CLINICIAN].order == ("B", "C", "A")
    assert equal.constituencies == one.constituencies


def test_dots_ties_go_to_more_supporters_then_to_the_published_order() -> None:
    # A: 3 dots from 1 person; B: 3 dots from 3 people; C: 3 dots from 3 people.
    # B and C have more supporters than A; B is listed before C.
    ballots = [
        DotsBallot(LIVED, {"A": 3}),
        DotsBallot(CARER, {"B": 1, "C": 1}),
        DotsBallot(CARER, {"B": 1, "C": 1}),
        DotsBallot(CLINICIAN, {"B": 1, "C": 1}),
    ]
    result = count_dots(
        ballots, options=["A", "B", "C"], rules=DotsRules(dots=3), labels={"B": "Sleep"}
    )
    assert result.order == ("B", "C", "A")
    assert result.decided_by_tie_break
    assert [tie.where for tie in result.tie_breaks] == [
        "dots, places 1 and 2",
        "dots, places 2 and 3",
    ]
    assert [tie.options for tie in result.tie_breaks] == [("B", "C"), ("C", "A")]
    assert result.tie_breaks[0].note == (
        '"Sleep" and Option C both have 3 dots. "Sleep" is placed above Option C because it '
        "comes earlier in the published list of options."
    )
    assert result.tie_breaks[1].note == (
        "Option C and Option A both have 3 dots. Option C is placed above Option A because "
        "more people put at least one dot on it (3 against 1)."
    )


def test_approval_counts_one_dot_per_option() -> None:
    rules = DotsRules(dots=3, stacking=False)
    ballots = [(LIVED, {"A": 1, "B": 1}), (CARER, {"B": 1}), (CARER, {"B": 1, "C": 1})]
    result = count_dots(ballots, options=["A", "B", "C"], rules=rules)
    assert result.totals == {"A": 1, "B": 3, "C": 1}
    assert result.order == ("B", "A", "C")
    with pytest.raises(ValueError, match="more than one dot on an option"):
        count_dots([(LIVED, {"A": 2})], options=["A"], rules=rules)


def test_counting_refuses_dots_the_rules_do_not_allow() -> None:
    rules = DotsRules(dots=2)
    with pytest.raises(ValueError, match="more than 2 dots"):
        count_dots([(LIVED, {"A": 2, "B": 1})], options=["A", "B"], rules=rules)
    with pytest.raises(ValueError, match="not in this vote"):
        count_dots([(LIVED, {"Z": 1})], options=["A"], rules=rules)
    with pytest.raises(ValueError, match="not a whole number"):
        count_dots([(LIVED, {"A": -1})], options=["A"], rules=rules)


def test_no_dots_at_all_gives_an_empty_count_in_the_published_order() -> None:
    result = count_dots([], options=["B", "A"], rules=DotsRules(dots=1))
    assert result.totals == {"B": 0, "A": 0}
    assert result.order == ("B", "A")
    assert result.constituencies == {}
    assert result.decided_by_tie_break  # even a 0-0 tie is decided by the published order


@pytest.mark.parametrize(
    ("dots", "message"),
    [
        ({"A": 3, "B": 3}, "You have placed 6 dots, but you have 5. Take one away."),
        ({"A": 5, "B": 3}, "You have placed 8 dots, but you have 5. Take 3 away."),
        ({}, "You have not placed any dots yet. Place at least one."),
        ({"A": 0, "B": None}, "You have not placed any dots yet. Place at least one."),
        ({"A": -1}, 'Use a whole number of dots for "Sleep": 0, 1, 2 and so on.'),
        ({"A": 1.5}, 'Use a whole number of dots for "Sleep": 0, 1, 2 and so on.'),
        ({"Z": 1}, "One of your dots is on an option that is not in this vote."),
    ],
)
def test_a_dots_ballot_that_breaks_the_rules_is_explained(dots: dict, message: str) -> None:
    with pytest.raises(BallotError) as raised:
        validate_dots_ballot(
            dots, rules=DotsRules(dots=5), options=["A", "B"], labels={"A": "Sleep"}
        )
    assert str(raised.value) == message


def test_an_approval_ballot_has_at_most_one_dot_per_option() -> None:
    rules = DotsRules(dots=2, stacking=False)
    with pytest.raises(BallotError) as raised:
        validate_dots_ballot({"A": 2}, rules=rules, options=["A"])
    assert str(raised.value) == (
        "You have put 2 dots on Option A. You can put only one dot on each option."
    )
    assert validate_dots_ballot({"A": 1, "B": 0}, rules=rules, options=["A", "B"]) == {"A": 1}


def test_a_vote_needs_at_least_one_dot_each() -> None:
    with pytest.raises(ValueError, match="at least one dot"):
        DotsRules(dots=0)
