"""Render every Django form (allauth's included) with NHS.UK frontend markup."""

from __future__ import annotations

from typing import Any

from django.core import validators
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _


class NHSFormRenderer(TemplatesSetting):
    """Use our templates for forms and fields: labels, hints and errors the NHS way."""

    form_template_name = "forms/nhsuk_form.html"
    field_template_name = "forms/nhsuk_field.html"


class PlainTextFormMixin:
    """Say kindly when text holds a character PostgreSQL cannot store (NUL)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            field.validators = [
                _KIND_NUL_VALIDATOR
                if isinstance(validator, validators.ProhibitNullCharactersValidator)
                else validator
                for validator in field.validators
            ]


_KIND_NUL_VALIDATOR = validators.ProhibitNullCharactersValidator(
    message=_("Remove the hidden control character from this text.")
)
