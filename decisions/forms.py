"""Forms for proposals and comments: they validate input; services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from decisions.models import Comment, Proposal


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
