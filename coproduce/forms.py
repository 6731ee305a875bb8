"""Render every Django form (allauth's included) with NHS.UK frontend markup."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class NHSFormRenderer(TemplatesSetting):
    """Use our templates for forms and fields: labels, hints and errors the NHS way."""

    form_template_name = "forms/nhsuk_form.html"
    field_template_name = "forms/nhsuk_field.html"
