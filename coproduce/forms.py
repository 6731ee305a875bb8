"""Render every Django form (allauth's included) with NHS.UK frontend markup."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class NHSFormRenderer(TemplatesSetting):
    """Use our templates for forms and fields: labels, hints and errors the NHS way."""

    form_template_name = "forms/nhsuk_form.html"
    field_template_name = "forms/nhsuk_field.html"


class PlainTextFormMixin:
    """Refuse text PostgreSQL cannot store (the NUL character), with a kind message."""

    def clean(self):  # type: ignore[no-untyped-def]
        from django.utils.translation import gettext as _

        cleaned = super().clean()  # type: ignore[misc]
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and "\x00" in value:
                self.add_error(  # type: ignore[attr-defined]
                    name, _("Remove the hidden control character from this text.")
                )
        return cleaned
