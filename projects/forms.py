"""Forms of the project pages. They validate input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from coproduce.text import parse_bounded_int
from participants.models import Constituency
from projects.models import Project, Role, Stage, reminder_hours_normalised

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class ReminderHoursField(forms.CharField):
    """Hours before voting closes, typed as "48, 24"; an empty box means no reminders."""

    default_error_messages = {
        "invalid": _(
            "Write whole numbers of hours separated by commas, for example 48, 24. "
            "Leave the box empty for no reminders."
        ),
    }

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list | tuple):
            return ", ".join(str(hour) for hour in value)
        return value

    def to_python(self, value: object) -> list[int]:  # type: ignore[override]
        text = super().to_python(value)
        parts = [part.strip() for part in text.replace(" and ", ",").split(",")]
        parts = [part for part in parts if part]
        # Within a million, so that the range message can say what is allowed.
        hours = [parse_bounded_int(part, minimum=0, maximum=10**6) for part in parts]
        if any(hour is None for hour in hours):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return reminder_hours_normalised(hours)

    def has_changed(self, initial: object, data: object) -> bool:
        try:
            return self.to_python(data) != list(initial or [])
        except forms.ValidationError:
            return True


class ProjectForm(PlainTextFormMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = ["title", "purpose", "easy_read_summary", "ground_rules"]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "easy_read_summary": forms.Textarea(attrs={"rows": 4}),
            "ground_rules": forms.Textarea(attrs={"rows": 8}),
        }


class ProjectSettingsForm(ProjectForm):
    class Meta(ProjectForm.Meta):
        fields = [*ProjectForm.Meta.fields, "status"]
        labels = {"status": _("Status")}
        help_texts = {
            "status": _(
                "Active projects are open for work. Finished and archived projects can be "
                "read but nothing new can happen in them."
            )
        }


class StageForm(PlainTextFormMixin, forms.ModelForm):
    """A stage's timeline and what members may do in it. When voting opens is read-only
    once voting has opened. Whether the stage has a vote, and how, are set on the
    stage's voting rules page (decisions.forms.VotingRulesForm)."""

    reminder_hours = ReminderHoursField(
        label=_("Remind members who have not voted yet, in hours before voting closes"),
        required=False,
        help_text=_(
            "For example 48, 24: reminders two days and one day before. "
            "Nobody who has voted gets a reminder. Leave empty for no reminders."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Stage
        fields = [
            "title",
            "kind",
            "description",
            "reflective_questions",
            "opens_at",
            "voting_opens_at",
            "closes_at",
            "reminder_hours",
            "proposals_allowed",
            "comments_allowed",
            "comments_allowed_during_voting",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "reflective_questions": forms.Textarea(attrs={"rows": 5}),
            "opens_at": DateTimeLocalInput(),
            "voting_opens_at": DateTimeLocalInput(),
            "closes_at": DateTimeLocalInput(),
        }
        help_texts = {
            "opens_at": _("Optional. For example 3 March 2027, 10:00 (UK time)."),
            "voting_opens_at": _("Optional. Leave empty if this stage has no vote."),
            "closes_at": _("Optional."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "voting_opens_at", "closes_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT]
        if self.instance.pk and self.instance.voting_has_opened:
            for name in ("voting_opens_at",):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Voting has opened, so this can no longer be changed."
                )

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        moments = [cleaned.get(name) for name in ("opens_at", "voting_opens_at", "closes_at")]
        present = [moment for moment in moments if moment is not None]
        if present != sorted(present):
            self.add_error(
                "closes_at",
                _(
                    "The dates must be in order: the stage opens, then voting opens, "
                    "then it closes."
                ),
            )
        return cleaned


class InvitationForm(PlainTextFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("We will send them a link to join. It works for 14 days."),
    )
    role = forms.ChoiceField(
        label=_("Their role in the project"),
        choices=Role.choices,
        initial=Role.MEMBER,
        widget=forms.RadioSelect,
        help_text=_(
            "Members propose and vote, each with one equal vote. Facilitators run the "
            "project but do not vote. Observers can read everything but do not take part. "
            "Sponsors hold the budget or authority: they respond to the group's "
            "recommendations and do not vote."
        ),
    )
    suggested_constituency = forms.ChoiceField(
        label=_("Suggested group (members only, optional)"),
        choices=[("", _("Let them choose")), *Constituency.choices],
        required=False,
        help_text=_("They can change it when they join."),
    )


class JoinForm(PlainTextFormMixin, forms.Form):
    constituency = forms.ChoiceField(
        label=_("Which group are you in?"),
        choices=Constituency.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Results are shown for each group, so that every group's voice is heard. "
            "Choose the one that fits you best."
        ),
    )
    show_constituency = forms.BooleanField(
        label=_("Let the project's observers see my group and my declaration of interests"),
        required=False,
        help_text=_(
            "Observers are people such as NHS managers who oversee the project. If you leave "
            "this unticked, only the facilitators see your group and declaration. Other "
            "members never see who is in which group."
        ),
    )
    declaration_of_interests = forms.CharField(
        label=_("Declaration of interests (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example, if you work for the service or are paid by a company it uses. "
            "The facilitators see it, and the observers too if you tick the box above."
        ),
    )
    accepts_ground_rules = forms.BooleanField(
        label=_("I have read the ground rules and I accept them"),
        error_messages={"required": _("To join, tick the box to accept the ground rules.")},
    )

    def __init__(self, *args: object, role: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if role != Role.MEMBER:
            del self.fields["constituency"]
            del self.fields["show_constituency"]
