"""Consent and scoring (Delphi) on worked examples, figured out by hand in the comments."""

from __future__ import annotations

from fractions import Fraction

import pytest

from decisions.counting import (
    Answer,
    BallotError,
    Consensus,
    ConsentBallot,
    ConsentRules,
    Counting,
    ScoringBallot,
    ScoringRules,
    count_consent,
    count_scoring,
    validate_consent_ballot,
    validate_scoring_ballot,
)

EQUAL = Counting.EQUAL_CONSTITUENCIES
LIVED, CARER, CLINICIAN = "lived_experience", "carer", "clinician"


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
