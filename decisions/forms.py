"""Forms for proposals and comments: they validate input; services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from decisions.models import Comment, DecisionNote, Proposal, VotingMethod, VotingRules
from decisions.rules import voting_rules_for
from participants.models import Constituency
from projects.models import Stage


class ProposalForm(PlainTextFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=Proposal.TITLE_MAX,
        help_text=_("A few words, like a headline."),
        error_messages={"required": _("Enter a title for your proposal.")},
    )
    body = forms.CharField(
        label=_("Your proposal"),
        max_length=Proposal.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what you suggest and why, in your own words. Up to 2,000 characters."),
        error_messages={"required": _("Write your proposal.")},
    )


class CommentForm(PlainTextFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=Comment.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your comment.")},
    )


class ReasonForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The author will see this. Be kind and specific."),
        error_messages={"required": _("Give a reason. The author will see it.")},
    )


class MergeForm(PlainTextFormMixin, forms.Form):
    proposals = forms.MultipleChoiceField(
        label=_("Proposals to combine"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose two or more that say the same thing."),
        error_messages={"required": _("Choose at least two proposals to combine.")},
    )
    title = forms.CharField(
        label=_("Title of the combined proposal"), max_length=Proposal.TITLE_MAX
    )
    body = forms.CharField(
        label=_("Text of the combined proposal"),
        max_length=Proposal.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    note = forms.CharField(
        label=_("Note for the authors"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why these were combined. The original proposals stay readable."),
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposals"].choices = choices

    def clean_proposals(self) -> list[str]:
        chosen = self.cleaned_data["proposals"]
        if len(chosen) < 2:
            raise forms.ValidationError(_("Choose at least two proposals to combine."))
        return chosen


class CarryForwardForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Carry them into"), widget=forms.RadioSelect)
    proposals = forms.MultipleChoiceField(
        label=_("Proposals to carry forward"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one proposal to carry forward.")},
    )

    def __init__(
        self,
        *args: object,
        stages: list[tuple[str, str]],
        proposals: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = stages
        self.fields["proposals"].choices = proposals


CONSTITUENCY_LABELS = dict(Constituency.choices)


class BallotForm(forms.Form):
    """One member's ballot, with a field per option. Works without JavaScript."""

    def __init__(
        self,
        *args: object,
        stage: Stage,
        options: list[Proposal],
        ballot_content: dict | None = None,  # type: ignore[type-arg]
        dots: int = 0,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stage, self.options = stage, options
        method = voting_rules_for(stage).voting_method
        stored = ballot_content or {}
        for option in options:
            key = str(option.pk)
            name = f"option-{key}"
            if method == VotingMethod.DOTS:
                self.fields[name] = forms.IntegerField(
                    label=option.title,
                    min_value=0,
                    max_value=dots,
                    required=False,
                    initial=stored.get("dots", {}).get(key, 0),
                    widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
                )
            elif method == VotingMethod.RANKING:
                places = min(voting_rules_for(stage).max_ranks, len(options))
                ranking = stored.get("ranking", [])
                self.fields[name] = forms.TypedChoiceField(
                    label=option.title,
                    choices=[("", _("Not ranked"))] + [(n, str(n)) for n in range(1, places + 1)],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=ranking.index(key) + 1 if key in ranking else "",
                )
            elif method == VotingMethod.SCORING:
                self.fields[name] = forms.TypedChoiceField(
                    label=option.title,
                    choices=[("", _("Not scored"))] + [(n, str(n)) for n in range(1, 10)],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=stored.get("scores", {}).get(key, ""),
                )
            elif method == VotingMethod.CONSENT:
                given = stored.get("answers", {}).get(key, {})
                self.fields[name] = forms.ChoiceField(
                    label=option.title,
                    choices=[
                        ("agree", _("Agree")),
                        ("abstain", _("Abstain: I do not mind either way")),
                        ("disagree", _("Disagree")),
                        ("block", _("Block: I cannot accept this")),
                    ],
                    widget=forms.RadioSelect,
                    initial=given.get("answer"),
                    error_messages={"required": _("Choose an answer for this proposal.")},
                )
                self.fields[f"reason-{key}"] = forms.CharField(
                    # Named for its option: a screen reader lists the fields by label.
                    label=_(
                        "If you block “%(title)s”, say why (others see the reason, not your name)"
                    )
                    % {"title": option.title},
                    max_length=500,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    initial=given.get("reason", ""),
                )

            elif method == VotingMethod.VERDICT:
                given = stored.get("verdicts", {}).get(key, {})
                self.fields[name] = forms.ChoiceField(
                    label=option.title,
                    choices=[
                        ("as_decided", _("Done as decided")),
                        ("differently", _("Done differently")),
                        ("not_done", _("Not done")),
                    ],
                    widget=forms.RadioSelect,
                    initial=given.get("verdict"),
                    error_messages={"required": _("Choose what happened to this recommendation.")},
                )
                self.fields[f"comment-{key}"] = forms.CharField(
                    label=_("Comment on “%(title)s” (optional: others see it, never your name)")
                    % {"title": option.title},
                    max_length=500,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    initial=given.get("comment", ""),
                )

    def raw_ballot(self) -> dict:  # type: ignore[type-arg]
        """The ballot as the counting rules read it."""
        raw: dict = {}  # type: ignore[type-arg]
        for option in self.options:
            key = str(option.pk)
            value = self.cleaned_data.get(f"option-{key}")
            method = voting_rules_for(self.stage).voting_method
            if method == VotingMethod.CONSENT:
                raw[key] = {"answer": value, "reason": self.cleaned_data.get(f"reason-{key}", "")}
            elif method == VotingMethod.VERDICT:
                comment = self.cleaned_data.get(f"comment-{key}", "")
                raw[key] = {"verdict": value, "comment": comment}
            elif value not in (None, 0, ""):
                raw[key] = value
        return raw


def helper_fields(
    *, members: list[tuple[str, str]], how_choices: tuple[tuple[str, str], ...], what: str
) -> dict[str, forms.Field]:
    """Who asked a facilitator to record something for them, how, and that they did."""
    return {
        "member": forms.ChoiceField(
            label=_("Which member asked you?"),
            choices=[("", _("Choose a member")), *members],
            error_messages={"required": _("Choose the member who asked you.")},
        ),
        "how": forms.ChoiceField(
            label=_("How did they ask?"),
            choices=how_choices,
            widget=forms.RadioSelect,
            error_messages={"required": _("Say how the member asked you.")},
        ),
        "member_asked": forms.BooleanField(
            label=_(
                "The member asked me to record this %(what)s for them, and it is in their "
                "own words or their own choices"
            )
            % {"what": what},
            error_messages={
                "required": _(
                    "Record something for a member only when they ask you to: tick the box "
                    "to confirm."
                )
            },
        ),
    }


class WithHelpMixin:
    """A form a facilitator fills in for a member who asked: who, how, and that they asked,
    first; then the member's own fields."""

    what: str = ""  # "vote", "proposal", "comment"
    fields: dict[str, forms.Field]

    def __init__(
        self,
        *args: object,
        members: list[tuple[str, str]],
        how_choices: tuple[tuple[str, str], ...],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        helper = helper_fields(members=members, how_choices=how_choices, what=self.what)
        self.fields = {**helper, **self.fields}


class HelpedBallotForm(WithHelpMixin, BallotForm):
    """A facilitator records the vote of a member who asked them to. It never shows the
    member's earlier vote: the facilitator sees only what the member tells them now."""

    what = _("vote")


class HelpedProposalForm(WithHelpMixin, ProposalForm):
    """A facilitator adds a proposal for a member who asked them to, in their words."""

    what = _("proposal")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("The member's proposal")
        self.fields["body"].help_text = _("What they suggest and why, in their own words.")


class HelpedCommentForm(WithHelpMixin, CommentForm):
    """A facilitator adds a comment for a member who asked them to, in their words."""

    what = _("comment")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("The member's comment")


class DecisionNoteForm(PlainTextFormMixin, forms.ModelForm):
    class Meta:
        model = DecisionNote
        fields = ["rationale", "dissent", "next_steps"]
        widgets = {
            "rationale": forms.Textarea(attrs={"rows": 5}),
            "dissent": forms.Textarea(attrs={"rows": 4}),
            "next_steps": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "rationale": _("In plain language: what was decided and why."),
            "dissent": _("What people disagreed with, without names."),
        }


class VotingRulesForm(PlainTextFormMixin, forms.ModelForm):
    """How members of a stage vote, and how the votes are counted. Read-only once voting
    has opened."""

    voting_method = forms.ChoiceField(
        label=_("How members vote"),
        choices=[("none", _("No vote")), *VotingMethod.choices],
    )

    # "No vote" is the stage's own `has_vote`, so the method is not a field of the model here.
    field_order = list(VotingRules.FIELDS)

    class Meta:
        model = VotingRules
        fields = [name for name in VotingRules.FIELDS if name != "voting_method"]

    def __init__(self, *args: object, stage: Stage, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.initial["voting_method"] = self.instance.voting_method if stage.has_vote else "none"
        if (
            stage.kind != Stage.Kind.REVIEW
            and self.initial["voting_method"] != VotingMethod.VERDICT
        ):
            # Verdicts judge what was done about recommendations: a review stage's vote.
            self.fields["voting_method"].choices = [
                choice
                for choice in self.fields["voting_method"].choices
                if choice[0] != VotingMethod.VERDICT
            ]
        if stage.voting_has_opened:
            for field in self.fields.values():
                field.disabled = True
                field.help_text = _("Voting has opened, so this can no longer be changed.")
