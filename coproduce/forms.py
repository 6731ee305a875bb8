"""Render every Django form (allauth's included) with NHS.UK frontend markup."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from coproduce.dates import validate_year_in_range
from coproduce.errors import RuleError
from coproduce.text import has_hidden_characters


class NHSFormRenderer(TemplatesSetting):
    """Use our templates for forms and fields: labels, hints and errors the NHS way."""

    form_template_name = "forms/nhsuk_form.html"
    field_template_name = "forms/nhsuk_field.html"


class PlainTextFormMixin:
    """Say kindly when text holds a character PostgreSQL cannot store (NUL), a control
    character, or one that reorders what is shown (U+202E); refuse a line break in
    a one-line field (a title ends up in email subjects, where a line break would split
    the header); and refuse a date outside the years the portal works in
    (coproduce.dates)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            field.validators = [
                _KIND_NUL_VALIDATOR
                if isinstance(validator, validators.ProhibitNullCharactersValidator)
                else validator
                for validator in field.validators
            ]
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(validate_year_in_range)
            if isinstance(field, forms.CharField):
                multi_line = isinstance(field.widget, forms.Textarea)
                field.validators.append(_MULTI_LINE if multi_line else _ONE_LINE)


_KIND_NUL_VALIDATOR = validators.ProhibitNullCharactersValidator(
    message=_("Remove the hidden control character from this text.")
)


def _refuse_hidden(*, multi_line: bool, message: str):  # type: ignore[no-untyped-def]
    def validate(value: str) -> None:
        if value and has_hidden_characters(str(value), multi_line=multi_line):
            raise ValidationError(message, code="hidden_characters")

    return validate


_ONE_LINE = _refuse_hidden(
    multi_line=False,
    message=_(
        "Keep this on one line, and remove any hidden character (such as a line break "
        "or a character that changes the direction of the text)."
    ),
)
_MULTI_LINE = _refuse_hidden(
    multi_line=True,
    message=_(
        "Remove the hidden character from this text (a control character, or one that "
        "changes the direction of the text)."
    ),
)


def show_refusal(form: forms.Form, error: RuleError) -> None:
    """Show a service's refusal on the form, keeping what was typed: beside the field the
    rule names (`RuleError.field`), or above the form when it names none on this form.
    The service holds the rule; the form only shows it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))
