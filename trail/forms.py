"""The trail's filter form (a GET form) and the export form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from coproduce.dates import validate_year_in_range
from projects.models import Stage
from trail.describe import ACTION_GROUPS, ACTION_LABELS, FACILITATOR_ACTIONS
from trail.models import AuditExport
from trail.selectors import SYSTEM_PERSON, TrailFilters

FILTER_FIELDS = ("what", "person", "stage", "date_from", "date_to")


class DateInput(forms.DateInput):
    """The browser's own date picker; typed dates work too (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d", attrs={"class": "nhsuk-input--width-10"})


class TrailFilterForm(forms.Form):
    what = forms.ChoiceField(label=_("What happened"), required=False)
    person = forms.ChoiceField(
        label=_("Who did it"),
        required=False,
        help_text=_("Votes are never shown for one person: that would show when they voted."),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    date_from = forms.DateField(
        label=_("From (date)"),
        required=False,
        widget=DateInput(),
        validators=[validate_year_in_range],
    )
    date_to = forms.DateField(
        label=_("To (date)"),
        required=False,
        widget=DateInput(),
        validators=[validate_year_in_range],
        help_text=_("Leave the dates empty to see every date."),
    )

    def __init__(
        self,
        data: QueryDict | None,
        *,
        stages: Sequence[Stage],
        people: Sequence[tuple[str, str]],
        with_facilitator_entries: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        kinds = [
            (name, label)
            for name, label in ACTION_LABELS.items()
            if with_facilitator_entries or name not in FACILITATOR_ACTIONS
        ]
        self.fields["what"].choices = [
            ("", _("Everything")),
            (
                _("Kinds of entry"),
                [(f"group:{key}", label) for key, (label, _prefixes) in ACTION_GROUPS.items()],
            ),
            (_("One kind of entry"), kinds),
        ]
        self.fields["person"].choices = [
            ("", _("Anyone")),
            (SYSTEM_PERSON, _("The system (changes made at a set time)")),
            *people,
        ]
        self.fields["stage"].choices = [("", _("Any stage"))] + [
            (str(stage.pk), stage.title) for stage in stages
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to", _("The end date must be the same as or after the start date.")
            )
        return cleaned

    def filters(self, time_zone: str) -> TrailFilters:
        """The filters to apply: only the fields that are valid (none before a search)."""
        if not self.is_bound:
            return TrailFilters(time_zone=time_zone)
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return TrailFilters(
            action=cleaned.get("what") or "",
            person=cleaned.get("person") or "",
            stage=cleaned.get("stage") or "",
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            time_zone=time_zone,
        )

    def query(self) -> str:
        """The valid filters as a query string, for links that keep them."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return ""
        query = QueryDict(mutable=True)
        for name in FILTER_FIELDS:
            value = self.cleaned_data.get(name)
            if value:
                query[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return query.urlencode()


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("File type"),
        choices=AuditExport.Format.choices,
        initial=AuditExport.Format.CSV,
        widget=forms.RadioSelect,
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)
