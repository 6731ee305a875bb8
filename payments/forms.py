"""Forms of the payment pages: they check what was typed (kindly, keeping it); the
services hold the rules, and their refusals are shown beside the field they name
(`coproduce.forms.show_refusal`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from meetings.models import Meeting
from payments.models import Activity, Choice, Claim, PaymentPolicy
from payments.services.writes import CLAIM_NEEDS

GOV_UK_BENEFITS_ADVICE = "https://www.gov.uk/benefits-calculators"
NIHR_PAYMENT_GUIDANCE = "https://www.nihr.ac.uk/payment-guidance-researchers-and-professionals"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MoneyField(forms.DecimalField):
    """Pounds and pence: never negative, never more than two numbers after the point."""

    default_error_messages = {
        "invalid": _("Enter an amount in pounds and pence, like 25.50."),
        "min_value": _("Enter an amount of £0 or more: an amount cannot be negative."),
        "max_decimal_places": _(
            "Enter pounds and pence with no more than two numbers after the point, like 25.50."
        ),
        "max_digits": _("Enter an amount under £100,000,000."),
        "max_whole_digits": _("Enter an amount under £100,000,000."),
    }

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
        )
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lstrip("£").replace(",", "")
        return super().to_python(value)


class PolicyForm(PlainTextFormMixin, forms.ModelForm):
    class Meta:
        model = PaymentPolicy
        fields = ["starts_on", "ends_on", "travel_expenses", "care_expenses", "notes"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class RateForm(PlainTextFormMixin, forms.Form):
    amount = MoneyField(label=_("Rate in pounds"), help_text=_("For example 27.50."))
    effective_from = forms.DateField(
        label=_("From which day"),
        widget=DateInput(),
        help_text=_("Claims for activities on or after this day use this rate."),
    )


class ActivityForm(RateForm):
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=Activity.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("As members will see it."))
    unit = forms.ChoiceField(
        label=_("Paid"), choices=Activity.Unit.choices, widget=forms.RadioSelect
    )
    field_order = ["kind", "name", "unit", "amount", "effective_from"]


class ChoiceForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("How would you like to be paid for taking part?"),
        choices=Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose payment, vouchers or no payment.")},
    )


class ClaimForm(PlainTextFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you claiming for?"),
        choices=Claim.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you are claiming for.")},
    )
    meeting = forms.ModelChoiceField(
        label=_("Which meeting? (for a meeting you came to)"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("Not a meeting"),
    )
    activity = forms.ModelChoiceField(
        label=_("Which activity? (for time)"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=_("Not time"),
    )
    quantity = forms.DecimalField(
        label=_("How many hours or sessions? (for time)"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": _("Enter how many hours or sessions, like 2 or 1.5."),
            "min_value": _("Enter how many hours or sessions: more than 0."),
            "max_decimal_places": _("Enter no more than two numbers after the point."),
            "max_digits": _("Enter at most 100 hours or sessions."),
            "max_whole_digits": _("Enter at most 100 hours or sessions."),
        },
    )
    amount = MoneyField(
        label=_("How much did you spend, in pounds? (for expenses)"), required=False
    )
    on = forms.DateField(
        label=_("On which day?"),
        widget=DateInput(),
        required=False,
        help_text=_("For a meeting, its day is used."),
    )
    description = forms.CharField(
        label=_("What was it for?"),
        max_length=300,
        help_text=_("For example 'Bus to the hospital and back' or 'Read the draft leaflet'."),
        error_messages={
            "required": _("Say what the claim is for, for example 'Bus to the hospital and back'.")
        },
    )

    def __init__(self, *args: object, project: object, policy: PaymentPolicy, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            project=project, starts_at__lte=timezone.now(), status=Meeting.Status.SCHEDULED
        ).order_by("-starts_at")
        self.fields["activity"].queryset = Activity.objects.filter(policy=policy).order_by("name")

    def clean(self):  # type: ignore[no-untyped-def]
        """Every field this kind of claim needs, at once: the service's own list."""
        cleaned = super().clean()
        for name, message in CLAIM_NEEDS.get(cleaned.get("kind"), ()):
            if cleaned.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
        return cleaned


class ReviewForm(PlainTextFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approve", _("Approve it")), ("query", _("Ask the member about it"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to approve it or ask about it.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The member sees this. Needed when you ask about a claim."),
    )
