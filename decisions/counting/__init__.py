"""How votes are counted: the published rules.

Pure functions on plain data: ballots in (a constituency and the ballot's content, never who
cast it), frozen results out. No database, no Django. The same ballots always give the same
result: nothing is random, and the order ballots arrive in makes no difference.

Ways of counting
----------------
One person, one vote (the default): every ballot weighs 1.

Equal constituencies: every constituency that voted carries the same total weight, 1, whatever
its turnout. Each of its n ballots weighs 1/n, so its figure for an option is its average per
member, and the overall figure is the sum of those averages. For ranking this is how the James
Lind Alliance interim survey works: each constituency's points are worked out on their own,
then added with equal weight. For scoring, n is the number in the constituency who scored that
option. The sums are exact fractions; nothing is rounded in the count (figures written in
notes are rounded for reading only).

Every result also gives the per-constituency parts: the same figures counted one person, one
vote on each constituency's ballots alone. In one-person-one-vote counting the parts add up to
the whole. Constituencies without a ballot are left out.

The methods
-----------
Dots: each member has a number of dots to place. They may stack several on one option, unless
the vote is approval (at most one dot on each option). Options are ordered by their dots.

Ranking: each member puts up to K options in order. Points: first place earns K points, second
K - 1, and so on to 1 point for place K, as in the James Lind Alliance interim survey. Options
are ordered by points. Instant runoff, for when one option must be chosen: every ballot counts
for its first choice still in the count. In each round, an option with more than half of the
votes still in the count wins (or the last option left). Otherwise the option with the fewest
votes is taken out and each ballot on it moves to its next choice still in the count; a ballot
with no choice left is "exhausted" and stops counting. Options that nobody has voted for are
taken out together (they hold no ballots, so this changes nothing).

Consent: each member agrees, abstains, disagrees or blocks one proposal; a block must give a
reason. Agreement is agree / (agree + disagree + block): abstentions are left out, and a block
counts against. The proposal passes when nobody blocks and agreement reaches the threshold
(two thirds unless the vote says otherwise). If the vote requires it, agreement must also reach
the threshold within every constituency that took a side, so no group can be outvoted. Block
reasons are shown without names, in alphabetical order.

Scoring (Delphi): each member scores options from 1 to 9 (they may leave some out). An option
is "in" when at least 70% of those who scored it gave 7-9 and fewer than 15% gave 1-3; "out"
when at least 70% gave 1-3 and fewer than 15% gave 7-9; otherwise there is no consensus. The
vote may set other shares. If the vote requires it, every constituency that scored the option
must reach the same verdict on its own, or there is no consensus.

Ties
----
Ties are never broken at random. Each result lists, in words, every place where one of these
rules decided something. "The published list of options" is the order the options were shown in
when voting opened. With equal constituencies, the counts used to break ties are weighted the
same way as the votes.

1. Dots: more dots ranks higher. With equal dots, the option that more people put at least one
   dot on ranks higher. If that is equal too, the option earlier in the published list ranks
   higher.
2. Ranking points: more points ranks higher. With equal points, the option ranked first more
   often ranks higher; if equal, the one ranked second more often; and so on down to the last
   place. If every place is equal, the option earlier in the published list ranks higher.
3. Instant runoff: when two or more options tie for the fewest votes, look at the round
   before: of the tied options, the one that had the fewest votes then is taken out. If some
   were equal then too, look one more round back at those, and so on to round 1. If they were
   equal in every round, the option later in the published list is taken out.
4. Consent and scoring have no ties to break: each decision stands on fixed thresholds.
5. Verdict (the review's "did we do what we said?"): when verdicts on a recommendation share
   the most, the one saying less was done leads: "not done" before "done differently" before
   "done as decided". A tie never lets the organisation claim more than its members said.

Verdict: for each recommendation acted on, each member says whether it was done as decided,
done differently or not done, with an optional comment. Each recommendation is counted on its
own: the (weighted) number giving each verdict and the leading one. Comments are shown without
names, in alphabetical order.
"""

from __future__ import annotations

from decisions.counting.common import (
    CONSTITUENCIES,
    CONSTITUENCY_NAMES,
    BallotError,
    Counting,
    OptionId,
    TieBreak,
)
from decisions.counting.consent import (
    Answer,
    ConsentBallot,
    ConsentResult,
    ConsentRules,
    count_consent,
    validate_consent_ballot,
)
from decisions.counting.dots import (
    DotsBallot,
    DotsResult,
    DotsRules,
    count_dots,
    validate_dots_ballot,
)
from decisions.counting.ranking import (
    PointsResult,
    RankingBallot,
    RankingResult,
    RankingRules,
    RunoffResult,
    RunoffRound,
    count_ranking,
    validate_ranking_ballot,
)
from decisions.counting.scoring import (
    Consensus,
    OptionScores,
    ScoringBallot,
    ScoringResult,
    ScoringRules,
    count_scoring,
    validate_scoring_ballot,
)
from decisions.counting.verdict import (
    VERDICT_WORDS,
    Verdict,
    VerdictBallot,
    VerdictResult,
    count_verdict,
    validate_verdict_ballot,
)

__all__ = [
    "CONSTITUENCIES",
    "CONSTITUENCY_NAMES",
    "VERDICT_WORDS",
    "Answer",
    "BallotError",
    "Consensus",
    "ConsentBallot",
    "ConsentResult",
    "ConsentRules",
    "Counting",
    "DotsBallot",
    "DotsResult",
    "DotsRules",
    "OptionId",
    "OptionScores",
    "PointsResult",
    "RankingBallot",
    "RankingResult",
    "RankingRules",
    "RunoffResult",
    "RunoffRound",
    "ScoringBallot",
    "ScoringResult",
    "ScoringRules",
    "TieBreak",
    "Verdict",
    "VerdictBallot",
    "VerdictResult",
    "count_consent",
    "count_dots",
    "count_ranking",
    "count_scoring",
    "count_verdict",
    "validate_consent_ballot",
    "validate_dots_ballot",
    "validate_ranking_ballot",
    "validate_scoring_ballot",
    "validate_verdict_ballot",
]
