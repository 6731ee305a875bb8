"""The counting rules on worked examples, figured out by hand in the comments."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from fractions import Fraction

import pytest

from decisions.counting import (
    CONSTITUENCIES,
    Answer,
    BallotError,
    Consensus,
    ConsentBallot,
    ConsentRules,
    Counting,
    DotsBallot,
    DotsRules,
    RankingBallot,
    RankingRules,
    ScoringBallot,
    ScoringRules,
    count_consent,
    count_dots,
    count_ranking,
    count_scoring,
    validate_consent_ballot,
    validate_dots_ballot,
    validate_ranking_ballot,
    validate_scoring_ballot,
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


# --- Ranking: points (the JLA interim survey) ------------------------------------------------

# Three constituencies with unequal turnout rank up to 3 of A, B, C, D.
# Rank 1 earns 3 points, rank 2 earns 2, rank 3 earns 1.
#   6 people with lived experience: A, B, C  -> A 18, B 12, C 6
#   2 carers:                       D, C, B  -> D 6,  C 4,  B 2
#   1 clinician:                    D, C, A  -> D 3,  C 2,  A 1
JLA_BALLOTS = (
    [RankingBallot(LIVED, ("A", "B", "C"))] * 6
    + [RankingBallot(CARER, ("D", "C", "B"))] * 2
    + [RankingBallot(CLINICIAN, ("D", "C", "A"))]
)
JLA_OPTIONS = ["A", "B", "C", "D"]


def test_jla_points_one_person_one_vote() -> None:
    # A 18 + 1 = 19; B 12 + 2 = 14; C 6 + 4 + 2 = 12; D 6 + 3 = 9.
    result = count_ranking(JLA_BALLOTS, options=JLA_OPTIONS, rules=RankingRules(max_ranks=3))
    assert result.points.points == {"A": 19, "B": 14, "C": 12, "D": 9}
    assert result.points.order == ("A", "B", "C", "D")
    assert result.points.places["C"] == (0, 3, 6)
    assert result.ballots == 9
    # Instant runoff: first choices A 6, D 3, B 0, C 0 of 9. A has more than half.
    assert result.runoff.winner == "A"
    assert len(result.runoff.rounds) == 1
    assert not result.decided_by_tie_break


def test_jla_points_with_equal_constituencies_give_a_different_order() -> None:
    # Each constituency's points are divided by its turnout, so each weighs the same:
    #   lived experience (/6): A 3, B 2, C 1, D 0
    #   carers (/2):           D 3, C 2, B 1, A 0
    #   clinician (/1):        D 3, C 2, A 1, B 0
    # Added: A 4, B 3, C 5, D 6, so D, C, A, B: the reverse of one person, one vote at the top.
    result = count_ranking(
        JLA_BALLOTS, options=JLA_OPTIONS, rules=RankingRules(max_ranks=3), counting=EQUAL
    )
    assert result.points.points == {"A": 4, "B": 3, "C": 5, "D": 6}
    assert result.points.order == ("D", "C", "A", "B")
    assert result.weights == {LIVED: Fraction(1, 6), CARER: Fraction(1, 2), CLINICIAN: 1}
    # First choices weighted: A 6/6 = 1; D 2/2 + 1 = 2 of 3. D has more than half.
    assert result.runoff.winner == "D"
    assert result.runoff.rounds[0].tallies == {"A": 1, "B": 0, "C": 0, "D": 2}
    # The raw counts per constituency are kept for the record.
    assert result.runoff.rounds[0].tallies_by_constituency[CARER] == {
        "A": 0,
        "B": 0,
        "C": 0,
        "D": 2,
    }


def test_jla_parts_are_each_constituency_alone_and_add_up() -> None:
    result = count_ranking(JLA_BALLOTS, options=JLA_OPTIONS, rules=RankingRules(max_ranks=3))
    lived = result.constituencies[LIVED]
    assert lived.points.points == {"A": 18, "B": 12, "C": 6, "D": 0}
    assert lived.runoff.winner == "A"
    assert result.constituencies[CARER].runoff.winner == "D"
    assert result.constituencies[CARER].counting is Counting.ONE_PERSON_ONE_VOTE
    for option in JLA_OPTIONS:
        assert result.points.points[option] == sum(
            part.points.points[option] for part in result.constituencies.values()
        )


def test_points_ties_go_to_first_places_then_to_the_published_order() -> None:
    # (A, B, C) and (C, B, A): every option has 3 + 1 = 2 + 2 = 4 points.
    # A and C were each ranked first once, second never, third once: the list puts A first.
    # B was never ranked first, so C is above B.
    result = count_ranking(
        [(CARER, ("A", "B", "C")), (CARER, ("C", "B", "A"))],
        options=["A", "B", "C"],
        rules=RankingRules(max_ranks=3),
    )
    assert result.points.points == {"A": 4, "B": 4, "C": 4}
    assert result.points.order == ("A", "C", "B")
    assert [tie.note for tie in result.points.tie_breaks] == [
        "Option A and Option C both have 4 points. Option A is placed above Option C because "
        "it comes earlier in the published list of options.",
        "Option C and Option B both have 4 points. Option C is placed above Option B because "
        "it was ranked first more often (1 against 0).",
    ]
    assert result.decided_by_tie_break


def test_points_ties_can_be_broken_by_a_later_place() -> None:
    # K = 4, so places earn 4, 3, 2, 1 points.
    #   (A, C, B, D): A 4, C 3, B 2, D 1
    #   (B, C, D, A): B 4, C 3, D 2, A 1
    #   (C, D, E, A): C 4, D 3, E 2, A 1
    # A 6, B 6, C 10, D 6, E 2. A and B were each ranked first once and second never; B was
    # ranked third once, A never: B above A. D was never ranked first: below A.
    result = count_ranking(
        [
            (LIVED, ("A", "C", "B", "D")),
            (CARER, ("B", "C", "D", "A")),
            (CLINICIAN, ("C", "D", "E", "A")),
        ],
        options=["A", "B", "C", "D", "E"],
        rules=RankingRules(max_ranks=4),
    )
    assert result.points.points == {"A": 6, "B": 6, "C": 10, "D": 6, "E": 2}
    assert result.points.order == ("C", "B", "A", "D", "E")
    assert [tie.where for tie in result.points.tie_breaks] == [
        "points, places 2 and 3",
        "points, places 3 and 4",
    ]
    assert [tie.note for tie in result.points.tie_breaks] == [
        "Option B and Option A both have 6 points. Option B is placed above Option A because "
        "it was ranked third more often (1 against 0).",
        "Option A and Option D both have 6 points. Option A is placed above Option D because "
        "it was ranked first more often (1 against 0).",
    ]


def test_weighted_ties_are_exact_and_their_figures_written_as_decimals() -> None:
    # Equal constituencies, one rank each (a first choice earns 1 point):
    #   3 people with lived experience (1/3 each): A, B, C
    #   2 carers (1/2 each):                       A, B
    # A 1/3 + 1/2 = 5/6, B 5/6, C 1/3.
    ballots = [(LIVED, ("A",)), (LIVED, ("B",)), (LIVED, ("C",)), (CARER, ("A",)), (CARER, ("B",))]
    result = count_ranking(
        ballots, options=["A", "B", "C"], rules=RankingRules(max_ranks=1), counting=EQUAL
    )
    assert result.points.points == {"A": Fraction(5, 6), "B": Fraction(5, 6), "C": Fraction(1, 3)}
    assert result.points.order == ("A", "B", "C")
    assert result.points.tie_breaks[0].note == (
        "Option A and Option B both have 0.83 points. Option A is placed above Option B because "
        "it comes earlier in the published list of options."
    )
    # Runoff, round 1: A 5/6, B 5/6, C 1/3 of 2: nobody has more than 1. C is out and its
    # ballot exhausted. Round 2: A 5/6, B 5/6, tied now and in round 1: B, listed later, is
    # out. Round 3: A 5/6 of 5/6.
    runoff = result.runoff
    assert [round_.excluded for round_ in runoff.rounds] == [("C",), ("B",), ()]
    assert [round_.exhausted for round_ in runoff.rounds] == [0, Fraction(1, 3), Fraction(7, 6)]
    assert runoff.rounds[2].tallies == {"A": Fraction(5, 6)}
    assert runoff.winner == "A"
    assert runoff.tie_breaks[0].note == (
        "Option A and Option B tied for the fewest votes (0.83 each). Option A and Option B had "
        "the same votes in every earlier round, so Option B, the later in the published list of "
        "options, is excluded."
    )


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({}, "Put at least one option in order: give your first choice the number 1."),
        ({"A": None}, "Put at least one option in order: give your first choice the number 1."),
        (
            {"A": 1, "B": 1},
            'You have given number 1 to "Sleep" and Option B. Give each option a different number.',
        ),
        (
            {"A": 1, "B": 3},
            "Your numbers skip 2. Number your choices 1, 2, 3 and so on, without gaps.",
        ),
        ({"A": 2}, "Your numbers skip 1. Number your choices 1, 2, 3 and so on, without gaps."),
        (
            {"A": 1, "B": 2, "C": 3, "D": 4},
            "You have ranked 4 options, but you can rank up to 3. Take one away.",
        ),
        ({"A": 0}, 'Use a whole number from 1 up for "Sleep".'),
        ({"A": "1"}, 'Use a whole number from 1 up for "Sleep".'),
        ({"Z": 1}, "One of the options you ranked is not in this vote."),
    ],
)
def test_a_ranking_that_breaks_the_rules_is_explained(ranks: dict, message: str) -> None:
    with pytest.raises(BallotError) as raised:
        validate_ranking_ballot(
            ranks,
            rules=RankingRules(max_ranks=3),
            options=["A", "B", "C", "D"],
            labels={"A": "Sleep"},
        )
    assert str(raised.value) == message


def test_a_valid_ranking_comes_back_first_choice_first() -> None:
    ranked = validate_ranking_ballot(
        {"A": 3, "B": None, "C": 1, "D": 2},
        rules=RankingRules(max_ranks=3),
        options=["A", "B", "C", "D"],
    )
    assert ranked == ("C", "D", "A")


def test_counting_refuses_a_malformed_ranking() -> None:
    rules = RankingRules(max_ranks=2)
    with pytest.raises(ValueError, match="more than 2 options"):
        count_ranking([(LIVED, ("A", "B", "C"))], options=["A", "B", "C"], rules=rules)
    with pytest.raises(ValueError, match="same option twice"):
        count_ranking([(LIVED, ("A", "A"))], options=["A", "B"], rules=rules)
    with pytest.raises(ValueError, match="not in this vote"):
        count_ranking([(LIVED, ("A", "Z"))], options=["A", "B"], rules=rules)


def test_option_ids_may_be_integers() -> None:
    result = count_ranking(
        [(LIVED, (30, 10)), (CARER, (10,))], options=[10, 20, 30], rules=RankingRules(2)
    )
    assert result.points.points == {10: 3, 20: 0, 30: 2}
    assert result.runoff.winner == 10


# --- Ranking: instant runoff -------------------------------------------------------------------


def test_instant_runoff_moves_ballots_and_reports_exhausted_ones() -> None:
    # 12 ballots:
    #   4 x A, B     3 x B, C     2 x C, B     2 x D     1 x D, C
    # Round 1: A 4, B 3, C 2, D 3. Nobody has more than 6. C has the fewest: out.
    #          Its 2 ballots move to B.
    # Round 2: A 4, B 5, D 3. D has the fewest: out. 2 x (D) have no next choice and
    #          (D, C) has only C, already out: 3 ballots are exhausted.
    # Round 3: A 4, B 5 of 9 still in the count: B has more than half and wins.
    ballots = (
        [(LIVED, ("A", "B"))] * 4
        + [(CARER, ("B", "C"))] * 3
        + [(CLINICIAN, ("C", "B"))] * 2
        + [(LIVED, ("D",))] * 2
        + [(CARER, ("D", "C"))]
    )
    result = count_ranking(ballots, options=["A", "B", "C", "D"], rules=RankingRules(2)).runoff
    assert [dict(round_.tallies) for round_ in result.rounds] == [
        {"A": 4, "B": 3, "C": 2, "D": 3},
        {"A": 4, "B": 5, "D": 3},
        {"A": 4, "B": 5},
    ]
    assert [round_.excluded for round_ in result.rounds] == [("C",), ("D",), ()]
    assert [round_.exhausted for round_ in result.rounds] == [0, 0, 3]
    assert result.rounds[2].exhausted_by_constituency == {LIVED: 2, CARER: 1, CLINICIAN: 0}
    assert [round_.elected for round_ in result.rounds] == [None, None, "B"]
    assert result.winner == "B"
    assert result.tie_breaks == ()
    # The raw counts per constituency add up to each round's tallies.
    assert result.rounds[1].tallies_by_constituency == {
        LIVED: {"A": 4, "B": 0, "D": 2},
        CARER: {"A": 0, "B": 3, "D": 1},
        CLINICIAN: {"A": 0, "B": 2, "D": 0},
    }


def test_instant_runoff_breaks_a_tie_by_looking_back_a_round() -> None:
    # 14 ballots:   6 x A     4 x C     3 x B, C     1 x D, B
    # Round 1: A 6, B 3, C 4, D 1. D has the fewest: out, its ballot moves to B.
    # Round 2: A 6, B 4, C 4. B and C tie for the fewest. In round 1 B had 3 and C had 4,
    #          so B is out. Its 3 ballots move to C; (D, B) is exhausted.
    # Round 3: A 6, C 7 of 13: C wins.
    ballots = (
        [(LIVED, ("A",))] * 6
        + [(CARER, ("C",))] * 4
        + [(CLINICIAN, ("B", "C"))] * 3
        + [(LIVED, ("D", "B"))]
    )
    result = count_ranking(
        ballots,
        options=["A", "B", "C", "D"],
        rules=RankingRules(2),
        labels={"B": "Housing", "C": "Sleep"},
    )
    runoff = result.runoff
    assert [round_.excluded for round_ in runoff.rounds] == [("D",), ("B",), ()]
    assert runoff.rounds[2].exhausted == 1
    assert runoff.winner == "C"
    assert result.decided_by_tie_break
    (tie,) = runoff.tie_breaks
    assert tie.where == "instant runoff, round 2"
    assert tie.options == ("C", "B")
    assert tie.note == (
        '"Housing" and "Sleep" tied for the fewest votes (4 each). In round 1, "Housing" had 3, '
        '"Sleep" had 4. So "Housing", with fewer votes in the latest earlier round where the '
        "tied options differed, is excluded."
    )
    # Points see no tie here, so the only tie-break is the runoff's.
    assert result.tie_breaks == (tie,)


def test_instant_runoff_falls_back_to_the_published_order() -> None:
    # A 1, B 1 in round 1, and nothing earlier: B, later in the list, is out; A wins.
    result = count_ranking(
        [(LIVED, ("A",)), (CARER, ("B",))], options=["A", "B"], rules=RankingRules(1)
    ).runoff
    assert [round_.excluded for round_ in result.rounds] == [("B",), ()]
    assert result.winner == "A"
    assert "later in the published list" in result.tie_breaks[0].note


def test_instant_runoff_looks_back_past_rounds_where_the_tie_also_held() -> None:
    # Options A, B, C, D, E.   5 x A    2 x B    2 x C    1 x D, B    1 x E, C    1 x E
    # Round 1: A 5, B 2, C 2, D 1, E 2 of 12. D has the fewest: out, its ballot moves to B.
    # Round 2: A 5, B 3, C 2, E 2. C and E tie for the fewest, and also tied (2, 2) in round 1:
    #          the published order puts E out. (E, C) moves to C; (E) is exhausted.
    # Round 3: A 5, B 3, C 3 of 11. B and C tie; round 2 had B 3, C 2: C is out.
    #          Its ballots (2 x C, E C) have no choice left: exhausted.
    # Round 4: A 5, B 3 of 8: A has more than half and wins.
    ballots = (
        [(LIVED, ("A",))] * 5
        + [(CARER, ("B",))] * 2
        + [(CLINICIAN, ("C",))] * 2
        + [(LIVED, ("D", "B")), (CARER, ("E", "C")), (CARER, ("E",))]
    )
    result = count_ranking(ballots, options=list("ABCDE"), rules=RankingRules(2)).runoff
    assert [round_.excluded for round_ in result.rounds] == [("D",), ("E",), ("C",), ()]
    assert [round_.exhausted for round_ in result.rounds] == [0, 0, 1, 4]
    assert result.winner == "A"
    assert len(result.tie_breaks) == 2
    assert result.tie_breaks[0].note == (
        "Option C and Option E tied for the fewest votes (2 each). Option C and Option E had "
        "the same votes in every earlier round, so Option E, the later in the published list "
        "of options, is excluded."
    )
    assert "In round 2, Option B had 3, Option C had 2." in result.tie_breaks[1].note


def test_instant_runoff_takes_out_unvoted_options_together() -> None:
    result = count_ranking(
        [
            (LIVED, ("A", "C")),
            (CARER, ("B", "C")),
            (CLINICIAN, ("B", "A")),
            (LIVED, ("A",)),
            (CARER, ("C",)),
        ],
        options=["A", "B", "C", "D", "E"],
        rules=RankingRules(2),
    ).runoff
    # Round 1: A 2, B 2, C 1, D 0, E 0 of 5. D and E hold nothing: out together.
    # Round 2: A 2, B 2, C 1: C is out, its ballot is exhausted.
    # Round 3: A 2, B 2 of 4, a tie: in round 2 and round 1 they were equal too, so B is out
    #          by the published order; (B, A) moves to A, (B, C) is exhausted.
    # Round 4: A 3 of 3.
    assert [round_.excluded for round_ in result.rounds] == [("D", "E"), ("C",), ("B",), ()]
    assert result.rounds[3].tallies == {"A": 3}
    assert result.winner == "A"
    assert len(result.tie_breaks) == 1


def test_no_ranked_ballots_means_no_winner() -> None:
    result = count_ranking([(LIVED, ())], options=["A", "B"], rules=RankingRules(2))
    assert result.runoff.winner is None
    assert result.runoff.rounds[0].exhausted == 1
    assert result.points.points == {"A": 0, "B": 0}
    result = count_ranking([], options=["A", "B"], rules=RankingRules(2))
    assert result.runoff.winner is None
    assert result.ballots == 0


def test_a_single_option_wins_the_runoff_at_once() -> None:
    result = count_ranking([(LIVED, ("A",))], options=["A"], rules=RankingRules(1)).runoff
    assert result.winner == "A"
    assert result.rounds[0].elected == "A"


# --- Consent -----------------------------------------------------------------------------------


def _consent(answers: dict[str, list[str]]) -> list[ConsentBallot]:
    """Make ballots from {constituency: [answer, ...]}; blocks get a reason."""
    return [
        ConsentBallot(name, answer, f"Reason from {name}" if answer == "block" else "")
        for name, given in answers.items()
        for answer in given
    ]


def test_consent_passes_when_agreement_reaches_two_thirds_and_nobody_blocks() -> None:
    # 5 agree, 1 disagrees, 2 abstain: agreement 5 / (5 + 1) = 83%, at least 2/3.
    result = count_consent(
        _consent({LIVED: ["agree"] * 3 + ["abstain"] * 2, CARER: ["agree"] * 2 + ["disagree"]})
    )
    assert result.passed
    assert result.agreement == Fraction(5, 6)
    assert result.answers == {"agree": 5, "abstain": 2, "disagree": 1, "block": 0}
    assert result.threshold == Fraction(2, 3)
    assert result.explanation == (
        "Nobody blocked.",
        "Agreement is 83.33%, which reaches the 66.67% needed.",
    )
    assert not result.decided_by_tie_break


def test_consent_at_exactly_the_threshold_passes_and_just_below_fails() -> None:
    assert count_consent(_consent({LIVED: ["agree", "agree", "disagree"]})).passed
    below = count_consent(_consent({LIVED: ["agree"] * 3 + ["disagree"] * 2}))
    assert below.agreement == Fraction(3, 5)
    assert not below.passed
    assert below.explanation == ("Agreement is 60%, below the 66.67% needed.",)
    strict = ConsentRules(threshold=0.75)
    assert strict.threshold == Fraction(3, 4)
    assert count_consent(_consent({LIVED: ["agree"] * 3 + ["disagree"]}), rules=strict).passed
    assert not count_consent(
        _consent({LIVED: ["agree"] * 74 + ["disagree"] * 26}), rules=strict
    ).passed


def test_one_block_stops_a_proposal_and_its_reason_is_reported_without_a_name() -> None:
    ballots = [
        *_consent({LIVED: ["agree"] * 9}),
        ConsentBallot(CARER, "block", "  It ignores night staff. "),
        ConsentBallot(CLINICIAN, "block", "A safety risk."),
    ]
    result = count_consent(ballots)
    assert not result.passed
    assert result.blocks == 2
    assert result.block_reasons == ("A safety risk.", "It ignores night staff.")
    # A block counts against in the agreement figure: 9 / (9 + 2).
    assert result.agreement == Fraction(9, 11)
    assert result.explanation[0] == "2 people blocked the proposal, so it does not pass."
    assert result.constituencies[CARER].block_reasons == ("It ignores night staff.",)


def test_consent_can_require_agreement_within_every_constituency() -> None:
    # Lived experience: 4 agree. Clinicians: 1 agrees, 2 disagree. Carers: all abstain.
    # Overall 5 / 7 = 71%: passes. Clinicians alone 1 / 3 = 33%: within every constituency,
    # it fails. Carers took no side: they stand aside and do not stop it.
    ballots = _consent(
        {LIVED: ["agree"] * 4, CLINICIAN: ["agree", "disagree", "disagree"], CARER: ["abstain"]}
    )
    assert count_consent(ballots).passed
    result = count_consent(ballots, rules=ConsentRules(within_every_constituency=True))
    assert not result.passed
    assert result.explanation == (
        "Agreement is 71.43%, which reaches the 66.67% needed.",
        "Among clinicians, agreement is 33.33%, below the 66.67% needed.",
    )
    assert result.constituencies[CARER].agreement is None
    assert result.constituencies[CLINICIAN].agreement == Fraction(1, 3)
    content = _consent({LIVED: ["agree"] * 4, CLINICIAN: ["agree"] * 2, CARER: ["abstain"]})
    both = count_consent(content, rules=ConsentRules(within_every_constituency=True))
    assert both.passed
    assert both.explanation[0] == (
        "Nobody blocked, and no constituency fell short of the agreement needed."
    )


def test_consent_with_equal_constituencies() -> None:
    # 6 people with lived experience agree (1/6 each), 2 carers disagree (1/2 each).
    # One person, one vote: 6 / 8 = 75%, passes. Equal constituencies: 1 / (1 + 1) = 50%.
    ballots = _consent({LIVED: ["agree"] * 6, CARER: ["disagree"] * 2})
    assert count_consent(ballots).passed
    result = count_consent(ballots, counting=EQUAL)
    assert result.agreement == Fraction(1, 2)
    assert result.answers == {"agree": 1, "abstain": 0, "disagree": 1, "block": 0}
    assert not result.passed


def test_consent_with_nobody_taking_a_side_does_not_pass() -> None:
    result = count_consent(_consent({LIVED: ["abstain"] * 3}))
    assert result.agreement is None
    assert not result.passed
    assert result.explanation == ("Nobody agreed or disagreed, so it does not pass.",)
    assert not count_consent([]).passed


def test_a_consent_answer_is_checked() -> None:
    assert validate_consent_ballot("agree") == (Answer.AGREE, "")
    assert validate_consent_ballot("block", " Unsafe. ") == (Answer.BLOCK, "Unsafe.")
    with pytest.raises(BallotError) as raised:
        validate_consent_ballot("block", "   ")
    assert str(raised.value) == (
        "Say why you are blocking. A block needs a reason, so the group can respond to it."
    )
    with pytest.raises(
        BallotError, match=r"Choose one answer: agree, abstain, disagree or block\."
    ):
        validate_consent_ballot("maybe")
    with pytest.raises(BallotError, match="A block needs a reason"):
        count_consent([ConsentBallot(LIVED, "block")])
    with pytest.raises(BallotError, match="Choose one answer"):
        count_consent([ConsentBallot(LIVED, "yes")])


def test_a_consent_threshold_is_a_share() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        ConsentRules(threshold=Fraction(3, 2))


# --- Scoring (Delphi) --------------------------------------------------------------------------


def _scores(column: list[int], option: str) -> list[dict[str, int]]:
    return [{option: score} for score in column]


def _twenty(high: int, low: int) -> list[int]:
    """Twenty scores: `high` of 8, `low` of 2, the rest 5."""
    return [8] * high + [2] * low + [5] * (20 - high - low)


def test_delphi_verdicts_at_the_exact_edges() -> None:
    # 20 people score every option, so 70% is 14 people and 15% is 3 people.
    columns = {
        "A": _twenty(high=14, low=2),  # 70% high, 10% low: in (exactly at the 70% edge)
        "B": _twenty(high=14, low=3),  # 70% high, 15% low: not fewer than 15%, no consensus
        "C": _twenty(high=13, low=0),  # 65% high: no consensus
        "D": _twenty(high=2, low=14),  # 70% low, 10% high: out
        "E": _twenty(high=3, low=14),  # 70% low, 15% high: no consensus
        "F": _twenty(high=20, low=0),  # everyone high: in
    }
    ballots = [
        ScoringBallot(LIVED, {option: column[person] for option, column in columns.items()})
        for person in range(20)
    ]
    result = count_scoring(ballots, options=[*columns, "G"])
    verdicts = {option: figures.consensus for option, figures in result.scores.items()}
    assert verdicts == {
        "A": Consensus.IN,
        "B": Consensus.NO_CONSENSUS,
        "C": Consensus.NO_CONSENSUS,
        "D": Consensus.OUT,
        "E": Consensus.NO_CONSENSUS,
        "F": Consensus.IN,
        "G": Consensus.NO_CONSENSUS,  # nobody scored it
    }
    assert result.included == ("A", "F")
    assert result.excluded == ("D",)
    assert result.no_consensus == ("B", "C", "E", "G")
    assert result.scores["A"].high == Fraction(7, 10)
    assert result.scores["B"].low == Fraction(3, 20)
    assert result.scores["A"].scores == (0, 2, 0, 0, 4, 0, 0, 14, 0)
    assert result.scores["G"].high is None
    assert result.scores["G"].scorers == 0


def test_delphi_thresholds_can_be_set() -> None:
    ballots = [ScoringBallot(LIVED, scores) for scores in _scores(_twenty(13, 0), "A")]
    assert count_scoring(ballots, options=["A"]).included == ()
    looser = ScoringRules(consensus=Fraction(13, 20))
    assert count_scoring(ballots, options=["A"], rules=looser).included == ("A",)
    stricter = ScoringRules(consensus=0.6, dissent=0.05)
    assert stricter.dissent == Fraction(1, 20)
    one_low = [ScoringBallot(LIVED, scores) for scores in _scores(_twenty(15, 1), "A")]
    assert count_scoring(one_low, options=["A"], rules=stricter).no_consensus == ("A",)


def test_delphi_can_require_every_constituency_to_agree() -> None:
    # 18 with lived experience score 9; 2 clinicians score 5.
    # Overall: 90% high, 0% low: in. Clinicians alone: 0% high: no consensus.
    ballots = [ScoringBallot(LIVED, {"A": 9})] * 18 + [ScoringBallot(CLINICIAN, {"A": 5})] * 2
    assert count_scoring(ballots, options=["A"]).included == ("A",)
    result = count_scoring(
        ballots, options=["A"], rules=ScoringRules(within_every_constituency=True)
    )
    assert result.no_consensus == ("A",)
    assert result.scores["A"].dissenting == (CLINICIAN,)
    assert result.constituencies[LIVED].included == ("A",)


def test_delphi_with_equal_constituencies() -> None:
    # 18 with lived experience score 9; 2 carers score 2.
    # One person, one vote: 90% high, 10% low: in.
    # Equal constituencies: lived experience 100% high, carers 100% low, each weighing 1:
    # 50% high, 50% low: no consensus.
    ballots = [ScoringBallot(LIVED, {"A": 9})] * 18 + [ScoringBallot(CARER, {"A": 2})] * 2
    assert count_scoring(ballots, options=["A"]).included == ("A",)
    result = count_scoring(ballots, options=["A"], counting=EQUAL)
    assert result.scores["A"].high == Fraction(1, 2)
    assert result.scores["A"].low == Fraction(1, 2)
    assert result.scores["A"].scorers == 2
    assert result.no_consensus == ("A",)


def test_delphi_shares_count_only_those_who_scored_the_option() -> None:
    # 7 score A 8; 3 scored only B. A: 7 of 7 high: in.
    ballots = [ScoringBallot(LIVED, {"A": 8, "B": 5})] * 7 + [ScoringBallot(LIVED, {"B": 5})] * 3
    result = count_scoring(ballots, options=["A", "B"])
    assert result.scores["A"].scorers == 7
    assert result.included == ("A",)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"A": 10}, 'Give "Sleep" a score from 1 to 9, or leave it out.'),
        ({"A": 0}, 'Give "Sleep" a score from 1 to 9, or leave it out.'),
        ({"A": True}, 'Give "Sleep" a score from 1 to 9, or leave it out.'),
        ({}, "Score at least one option, from 1 to 9."),
        ({"A": None}, "Score at least one option, from 1 to 9."),
        ({"Z": 5}, "One of the options you scored is not in this vote."),
    ],
)
def test_a_scoring_ballot_that_breaks_the_rules_is_explained(scores: dict, message: str) -> None:
    with pytest.raises(BallotError) as raised:
        validate_scoring_ballot(scores, options=["A", "B"], labels={"A": "Sleep"})
    assert str(raised.value) == message


def test_a_valid_scoring_ballot_keeps_the_scored_options() -> None:
    assert validate_scoring_ballot({"A": 9, "B": None}, options=["A", "B"]) == {"A": 9}


def test_counting_refuses_a_score_out_of_range() -> None:
    with pytest.raises(ValueError, match="scores run from 1 to 9"):
        count_scoring([(LIVED, {"A": 12})], options=["A"])
    with pytest.raises(ValueError, match="not in this vote"):
        count_scoring([(LIVED, {"Z": 5})], options=["A"])
