"""Forms of the delivery pages. They validate input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from delivery.models import Action, ActionStatus, ActionUpdate, Answer, Response
from participants.models import User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ResponseForm(PlainTextFormMixin, forms.Form):
    answer = forms.ChoiceField(
        label=_("Your response"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your response.")},
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=Response.REASONS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Needed unless you accept it in full. Say plainly why, so the group can see how "
            "its recommendation was weighed."
        ),
    )
    next_steps = forms.CharField(
        label=_("What will happen next"),
        max_length=Response.REASONS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what will happen next.")},
    )


class ResponseDueForm(PlainTextFormMixin, forms.Form):
    response_due_on = forms.DateField(
        label=_("The response is due by"),
        widget=DateInput(),
        help_text=_("For example 27 March 2027. Sponsors are reminded a week before and after."),
        error_messages={
            "required": _("Enter the date the response is due."),
            "invalid": _("Enter a real date, for example 27 March 2027."),
        },
    )


class CommentForm(PlainTextFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your comment.")},
    )


class ActionOwnerDateForm(PlainTextFormMixin, forms.Form):
    """Who owns an action and when it is due (choosing from the people who can own one)."""

    owner = forms.ChoiceField(
        label=_("Who owns it"),
        help_text=_("Anyone taking part can own an action: a member, a facilitator or a sponsor."),
        error_messages={
            "required": _("Choose who owns the action."),
            "invalid_choice": _(
                "Choose someone who takes part in this project: a member, a facilitator "
                "or a sponsor."
            ),
        },
    )
    due_on = forms.DateField(
        label=_("Due by"),
        widget=DateInput(),
        help_text=_("For example 27 March 2027."),
        error_messages={
            "required": _("Enter the date it is due."),
            "invalid": _("Enter a real date, for example 27 March 2027."),
        },
    )

    def __init__(self, *args: object, people: list[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.fields["owner"].choices = [("", _("Choose someone"))] + [
            (str(person.pk), person.display_name) for person in people
        ]

    def clean_owner(self) -> User:
        return self.people[self.cleaned_data["owner"]]


class ActionForm(ActionOwnerDateForm):
    title = forms.CharField(
        label=_("What will be done"),
        max_length=Action.TITLE_MAX,
        help_text=_("A few words, like a headline."),
        error_messages={"required": _("Say what will be done.")},
    )
    done_looks_like = forms.CharField(
        label=_('What "done" looks like'),
        max_length=Action.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How everyone will know it is done."),
        error_messages={"required": _('Say what "done" looks like.')},
    )
    field_order = ["title", "done_looks_like", "owner", "due_on"]


class ActionChangeForm(ActionOwnerDateForm):
    """Give an action another owner or another date."""

    def __init__(self, *args: object, people: list[User], **kwargs: object) -> None:
        super().__init__(*args, people=people, **kwargs)
        self.fields["owner"].help_text = _(
            "They are told the action is theirs once it is confirmed. Anyone taking part can "
            "own an action: a member, a facilitator or a sponsor."
        )
        self.fields["due_on"].help_text = _(
            "For example 27 March 2027. The owner is reminded 3 days before and once it is late."
        )


class ActionStatusForm(PlainTextFormMixin, forms.Form):
    """Where the action stands now. It offers only the statuses the action can move to
    (`delivery.rules.next_statuses`), and asks for a reason only when dropping is one of
    them. It accepts any status, though: an action moved meanwhile in another window is
    refused by the service, which says where it can go from where it now is."""

    status = forms.ChoiceField(
        label=_("Where the action stands now"),
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        help_text=_("An action moves one step at a time: planned, in progress, then done."),
        error_messages={"required": _("Choose where the action stands now.")},
    )
    reason = forms.CharField(
        label=_("Reason (needed to drop an action)"),
        required=False,
        max_length=Action.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, offered: tuple[str, ...], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Shown: the next steps only. Checked by the service: whatever was sent.
        self.fields["status"].widget.choices = [
            (str(step), ActionStatus(step).label) for step in offered
        ]
        if ActionStatus.DROPPED not in offered:
            del self.fields["reason"]


class ActionUpdateForm(PlainTextFormMixin, forms.Form):
    text = forms.CharField(
        label=_("What has happened"),
        max_length=ActionUpdate.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what has happened.")},
    )
    evidence_url = forms.CharField(
        label=_("Link to evidence (optional)"),
        required=False,
        max_length=500,
        help_text=_("A web address starting with https://, for example a report or minutes."),
    )
