"""Forms for reflection, the pulse and its statements: they validate input; services hold
the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from evidence.models import MAX_STATEMENTS, STATEMENT_MAX, Pulse, ReflectionAnswer, Rung

SCORES = [
    ("1", _("1: Strongly disagree")),
    ("2", _("2: Disagree")),
    ("3", _("3: Neither agree nor disagree")),
    ("4", _("4: Agree")),
    ("5", _("5: Strongly agree")),
]


class ReflectionForm(PlainTextFormMixin, forms.Form):
    question = forms.TypedChoiceField(
        label=_("Which question are you answering?"),
        widget=forms.RadioSelect,
        coerce=int,
        error_messages={"required": _("Choose the question you are answering.")},
    )
    body = forms.CharField(
        label=_("Your answer"),
        max_length=ReflectionAnswer.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In your own words. Up to 2,000 characters."),
        error_messages={"required": _("Write your answer.")},
    )
    shown_as = forms.ChoiceField(
        label=_("How should your answer appear?"),
        widget=forms.RadioSelect,
        choices=[
            ("named", _("With my display name")),
            (
                "anonymous",
                _("Anonymously: nobody using the portal, facilitators too, can see it is mine"),
            ),
        ],
        help_text=_(
            "An anonymous answer is kept without your name. When reflection on this stage "
            "ends (when its pulse closes), it is sealed: written again so that nothing kept "
            "leads back to you, even for the people who look after the database. Until "
            "then, they could work out whose it is."
        ),
        initial="named",
        error_messages={"required": _("Choose how your answer should appear.")},
    )

    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [
            (str(number), text) for number, text in enumerate(questions, start=1)
        ]


class PulseForm(forms.Form):
    """One optional 1 to 5 score per statement, and the optional step of the ladder."""

    def __init__(self, *args: Any, pulse: Pulse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, statement in enumerate(pulse.statements, start=1):
            self.fields[f"statement_{number}"] = forms.TypedChoiceField(
                label=statement,
                choices=SCORES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        if pulse.ask_ladder:
            self.fields["rung"] = forms.ChoiceField(
                label=_("Where was this stage on the ladder of participation?"),
                help_text=_("From the lowest step to the highest. Leave it if you are not sure."),
                choices=Rung.choices,
                required=False,
                widget=forms.RadioSelect,
            )
        self.statement_count = len(pulse.statements)

    def scores(self) -> list[int | None]:
        return [
            self.cleaned_data.get(f"statement_{number}")
            for number in range(1, self.statement_count + 1)
        ]


class PulseStatementsForm(PlainTextFormMixin, forms.Form):
    """The statements, one a line. How many and how long is the service's rule
    (`pulse_statements_update`): its message shows beside the field."""

    statements = forms.CharField(
        label=_("Statements members score from 1 to 5"),
        widget=forms.Textarea(attrs={"rows": 6}),
        # Only a bound on what is read; the rule itself is the service's.
        max_length=MAX_STATEMENTS * (STATEMENT_MAX + 2),
        help_text=format_lazy(
            _("One statement on each line, at most {count}."), count=MAX_STATEMENTS
        ),
        error_messages={"required": _("Keep at least one statement.")},
    )
    ask_ladder = forms.BooleanField(
        label=_("Also ask where the stage was on the ladder of participation"), required=False
    )

    def clean_statements(self) -> list[str]:
        return self.cleaned_data["statements"].splitlines()
