"""The power-balance figures: worked examples and properties (pure functions, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evidence.figures import (
    CONSTITUENCIES,
    POOL,
    Inputs,
    ProposalNode,
    StageFacts,
    adopted_from_rows,
    ancestors,
    balance,
    grouping,
    percentages,
    power_balance,
    pulse_result,
    trend,
)

RUNGS = ("informing", "consulting", "co_production")


def test_percentages_add_up_to_100_by_largest_remainder() -> None:
    assert percentages([1, 1, 1]) == [34, 33, 33]
    assert percentages([0, 0]) == [0, 0]
    assert percentages([42, 58]) == [42, 58]


def test_the_sentence_compares_a_share_with_the_share_of_members() -> None:
    figure = balance(
        name="proposals",
        title="Proposals made",
        verb="made %(share)s%% of proposals",
        values={"lived_experience": 21, "carer": 10, "clinician": 19},
        members={"lived_experience": 4, "carer": 3, "clinician": 3},
        smallest=3,
    )
    assert [(row.key, row.share, row.members_share) for row in figure.rows] == [
        ("lived_experience", 42, 40),
        ("carer", 20, 30),
        ("clinician", 38, 30),
    ]
    assert figure.sentence.startswith(
        "People with lived experience made 42% of proposals and are 40% of members."
    )


def test_a_small_group_joins_other_groups_and_a_small_pool_takes_the_next_smallest() -> None:
    # Two clinicians: too few alone. Pooled with nobody else they would still be 2,
    # so the carers (the next smallest) join the pool.
    alone, pool, withheld = grouping({"lived_experience": 6, "carer": 4, "clinician": 2}, 3)
    assert (alone, sorted(pool), withheld) == (["lived_experience"], ["carer", "clinician"], False)
    figure = balance(
        name="proposals",
        title="Proposals",
        verb="made %(share)s%% of proposals",
        values={"lived_experience": 3, "carer": 1, "clinician": 4},
        members={"lived_experience": 6, "carer": 4, "clinician": 2},
        smallest=3,
    )
    assert [(row.key, row.members, row.value) for row in figure.rows] == [
        ("lived_experience", 6, 3),
        (POOL, 6, 5),
    ]
    assert "Other groups together are carers and clinicians" in figure.sentence


def test_everything_is_withheld_when_fewer_people_than_the_smallest_group_took_part() -> None:
    assert grouping({"carer": 1, "clinician": 1}, 3) == ([], [], True)
    figure = balance(
        name="x", title="x", verb="%(share)s", values={"carer": 1}, members={"carer": 2},
        smallest=3,
    )  # fmt: skip
    assert figure.withheld
    assert figure.rows == ()
    assert "Too few people" in figure.sentence


def test_the_floor_of_3_holds_even_when_asked_for_less() -> None:
    assert grouping({"carer": 2, "clinician": 5}, 1)[1] == ["carer", "clinician"]


def test_ancestors_follow_merges_and_carry_forwards_to_the_first_ideas() -> None:
    proposals = [
        ProposalNode("a", "s1", "lived_experience", merged_into="m"),
        ProposalNode("b", "s1", "carer", merged_into="m"),
        ProposalNode("m", "s1", ""),  # the merged proposal a facilitator made
        ProposalNode("c", "s2", "", carried_from="m"),
        ProposalNode("d", "s1", "clinician"),  # went nowhere
    ]
    assert ancestors(["c"], proposals) == {"c", "m", "a", "b"}
    assert ancestors(["d"], proposals) == {"d"}


def test_who_defined_the_problem_counts_first_stage_authors_behind_the_decision() -> None:
    proposals = [
        *(ProposalNode(f"le{i}", "s1", "lived_experience", merged_into="m") for i in range(3)),
        ProposalNode("c1", "s1", "clinician", merged_into="m"),
        ProposalNode("m", "s1", ""),
        ProposalNode("x1", "s1", "clinician"),
        ProposalNode("x2", "s1", "carer"),
        ProposalNode("p2", "s2", "", carried_from="m"),
        ProposalNode("own", "s2", "carer"),
    ]
    inputs = Inputs(
        members={"lived_experience": 3, "carer": 3, "clinician": 3},
        stages=[
            StageFacts("s1", "Define", 1, carried_on=("m",)),
            StageFacts("s2", "Prioritise", 2, options=("p2", "own"), adopted=("p2",)),
        ],
        proposals=proposals,
        comments={"s1": {"carer": 5, "clinician": 5}},
        voters={"s2": {"lived_experience": 3, "carer": 3, "clinician": 1}},
    )
    result = power_balance(inputs)
    definers = {row.key: row.value for row in result.problem_definers.rows}
    assert definers == {"lived_experience": 3, "carer": 0, "clinician": 1}
    figures = {figure.name: figure for figure in result.figures}
    assert {row.key: row.value for row in figures["adopted"].rows} == definers
    assert {row.key: row.value for row in figures["reached_vote"].rows} == {
        "lived_experience": 3,
        "carer": 1,
        "clinician": 1,
    }
    # One clinician voted: pooled with the next smallest group, never shown alone.
    ballots = {row.key: row.value for row in figures["ballots"].rows}
    assert "clinician" not in ballots
    assert ballots[POOL] == 4
    stage_two = result.stages[1].figures[0]
    assert {row.key: row.value for row in stage_two.rows}["carer"] == 1


def test_votes_with_help_accepted_recommendations_and_owned_actions_by_group() -> None:
    proposals = [
        ProposalNode("a", "s1", "lived_experience"),
        ProposalNode("b", "s1", "carer", merged_into="m"),
        ProposalNode("c", "s1", "lived_experience", merged_into="m"),
        ProposalNode("m", "s1", ""),
        ProposalNode("d", "s1", "clinician"),
    ]
    inputs = Inputs(
        members={"lived_experience": 4, "carer": 3, "clinician": 3},
        stages=[StageFacts("s1", "Prioritise", 1, options=("a", "m", "d"), adopted=("a", "m"))],
        proposals=proposals,
        comments={},
        voters={"s1": {"lived_experience": 4, "carer": 3, "clinician": 3}},
        # Two lived-experience votes and one carer's were recorded with help.
        helped={"s1": {"lived_experience": 2, "carer": 1}},
        accepted=("m",),  # the merged proposal's recommendation was accepted
        actions_owned={"lived_experience": 3, "clinician": 3},
    )
    figures = {figure.name: figure for figure in power_balance(inputs).figures}
    # Behind the accepted recommendation: the two authors merged into it.
    assert {row.key: row.value for row in figures["accepted"].rows} == {
        "lived_experience": 1,
        "carer": 1,
        "clinician": 0,
    }
    assert {row.key: row.value for row in figures["actions_owned"].rows} == {
        "lived_experience": 3,
        "carer": 0,
        "clinician": 3,
    }
    assert figures["actions_owned"].sentence.startswith("People with lived experience own 50%")
    # Three votes with help in all: too few to show any group alone, so none is shown.
    helped = figures["helped"]
    assert helped.total == 3
    assert helped.withheld or all(row.value == 0 or row.value >= 3 for row in helped.rows)
    assert all(row.key == POOL or row.value != 1 for row in helped.rows)


def test_adopted_options_by_method() -> None:
    rows = [
        {"option": "a", "place": 1, "verdict": "Passes"},
        {"option": "b", "place": 2, "verdict": "In"},
    ]
    assert adopted_from_rows("dots", rows, 5) == ["a"]
    assert adopted_from_rows("consent", rows, 5) == ["a"]
    assert adopted_from_rows("scoring", rows, 5) == ["b"]
    assert adopted_from_rows("ranking", rows, 0) == []


def test_pulse_results_pool_small_groups_and_place_the_ladder() -> None:
    answers = [
        ("lived_experience", [5, 4, None, 3], "co_production"),
        ("lived_experience", [4, 4, 2, 3], "consulting"),
        ("lived_experience", [3, 4, 2, 3], "co_production"),
        ("carer", [1, 1, 1, 1], ""),
        ("clinician", [2, 2, 2, 2], "informing"),
    ]
    result = pulse_result(answers, statements=4, rungs=RUNGS, smallest=3)
    assert result.means == (3.0, 3.0, 1.8, 2.4)
    # One carer and one clinician: 2 together, so the largest group joins them and
    # only the whole is shown (taking it from the whole would show the two).
    assert [(group.key, group.answers) for group in result.groups] == [(POOL, 5)]
    more = pulse_result(
        [*answers, ("carer", [1, 1, 1, 1], ""), ("carer", [3, 3, 3, 3], "")],
        statements=4,
        rungs=RUNGS,
    )
    # The lone clinician needs company: the smallest shown group (a tie of 3, the first
    # in the usual order) joins the pool.
    assert [(group.key, group.answers) for group in more.groups] == [("carer", 3), (POOL, 4)]
    assert all(group.key != "carer" for group in result.groups)
    assert dict(result.ladder) == {"informing": 25, "consulting": 25, "co_production": 50}
    few = pulse_result(answers[:2], statements=4, rungs=RUNGS, smallest=3)
    assert few.withheld
    assert few.means == ()
    assert few.groups == ()
    assert trend([result, few]) == [2.6, None]


# --- Properties ---------------------------------------------------------------------

counts = st.dictionaries(st.sampled_from(CONSTITUENCIES), st.integers(0, 40))


@given(members=counts, values=counts, smallest=st.integers(0, 10))
def test_shares_add_up_to_100_and_no_small_group_is_shown_alone(
    members: dict[str, int], values: dict[str, int], smallest: int
) -> None:
    figure = balance(
        name="x", title="x", verb="%(share)s", values=values, members=members, smallest=smallest
    )
    threshold = max(smallest, 3)
    if figure.withheld:
        assert figure.rows == ()
        return
    people_in = {name: members.get(name, 0) for name in set(members) | set(values)}
    for row in figure.rows:
        if row.key == POOL:
            assert sum(people_in[name] for name in figure.pooled) >= threshold
        else:
            assert members.get(row.key, 0) >= threshold
    assert figure.total == sum(values.values())
    assert sum(row.value for row in figure.rows) == figure.total
    if figure.total:
        assert sum(row.share for row in figure.rows) == 100
    if any(row.members for row in figure.rows):
        assert sum(row.members_share for row in figure.rows) == 100


@given(
    answers=st.lists(
        st.tuples(
            st.sampled_from(CONSTITUENCIES),
            st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4),
            st.sampled_from(("", *RUNGS)),
        ),
        max_size=30,
    )
)
def test_a_pulse_never_shows_a_group_of_fewer_than_3_answers(answers: list) -> None:
    result = pulse_result(answers, statements=4, rungs=RUNGS, smallest=3)
    if 0 < len(answers) < 3:
        assert result.withheld
        assert not result.groups
        assert not result.means
    for group in result.groups:
        assert group.answers >= 3
    assert sum(group.answers for group in result.groups) in (0, len(answers))
    if result.ladder:
        assert sum(share for _rung, share in result.ladder) == 100
