"""Ranking on worked examples (JLA points and instant runoff), figured out by hand in the
comments."""

from __future__ import annotations

from fractions import Fraction

import pytest

from decisions.counting import (
    BallotError,
    Counting,
    RankingBallot,
    RankingRules,
    count_ranking,
    validate_ranking_ballot,
)

EQUAL = Counting.EQUAL_CONSTITUENCIES
LIVED, CARER, CLINICIAN = "lived_experience", "carer", "clinician"


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
