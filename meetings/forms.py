"""Forms of the meeting pages. They validate input; the services hold the rules, and
their refusals are shown beside the field they name (`coproduce.forms.show_refusal`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from meetings.models import Arrangement, Attendance, Meeting, Reply
from projects.forms import DATETIME_FORMAT, DateTimeLocalInput
from projects.models import Stage


class MeetingForm(PlainTextFormMixin, forms.ModelForm):
    arrangements = forms.MultipleChoiceField(
        label=_("Arrangements offered"),
        choices=Arrangement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each one you have arranged. People can ask for more when they reply."),
    )

    online_link = forms.URLField(
        label=_("Online link (optional)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("A link that starts with https://, for those who join online."),
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "purpose",
            "agenda",
            "stage",
            "starts_at",
            "ends_at",
            "place",
            "online_link",
            "arrangements",
            "arrangements_other",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "agenda": forms.Textarea(attrs={"rows": 5}),
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
        }
        help_texts = {
            "starts_at": _("For example 3 March 2027, 10:00 (in your own time zone)."),
            "ends_at": _("For example 3 March 2027, 12:30."),
        }

    def __init__(self, *args: object, project: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(project=project).order_by("position")
        self.fields["stage"].empty_label = _("Not about one stage")
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT]
        self.fields["online_link"].error_messages["invalid"] = _(
            "Enter the link as it is in your browser, starting with https://"
        )


class ReplyForm(PlainTextFormMixin, forms.ModelForm):
    coming = forms.ChoiceField(
        label=_("Will you come?"),
        choices=Reply.Coming.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you will come.")},
    )

    class Meta:
        model = Reply
        fields = ["coming", "needs"]
        widgets = {"needs": forms.Textarea(attrs={"rows": 3})}


class AttendanceForm(forms.Form):
    """For each person in the project: not there, in person, or online."""

    def __init__(self, *args: object, people: list, current: dict[int, str], **kwargs: object):  # type: ignore[type-arg]
        super().__init__(*args, **kwargs)
        choices = [("", _("Did not come")), *Attendance.Mode.choices]
        self.people = people
        for person in people:
            self.fields[f"person-{person.pk}"] = forms.ChoiceField(
                label=str(person),
                choices=choices,
                required=False,
                initial=current.get(person.pk, ""),
                widget=forms.RadioSelect,
            )

    def present(self) -> dict[int, str]:
        found = {}
        for person in self.people:
            mode = self.cleaned_data.get(f"person-{person.pk}")
            if mode:
                found[person.pk] = mode
        return found


class MinutesForm(PlainTextFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Minutes"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Each time you save, a new version is kept. Members can comment until you mark "
            "the minutes as agreed."
        ),
        error_messages={"required": _("Write the minutes before saving them.")},
    )


class MinutesCommentForm(PlainTextFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your comment on the minutes"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your comment before sending it.")},
    )


class StagesFedForm(forms.Form):
    stages = forms.ModelMultipleChoiceField(
        label=_("Which stages did this meeting feed?"),
        queryset=Stage.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The decision of each stage then links back to this meeting."),
    )

    def __init__(self, *args: object, project: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stages"].queryset = Stage.objects.filter(project=project).order_by("position")
