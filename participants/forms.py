"""Forms about people: details asked at sign-up, and the profile page."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from participants.models import User, generate_pseudonym
from participants.notifications.models import Delivery, Kind


class SignupDetailsForm(PlainTextFormMixin, forms.Form):
    """Extra sign-up field: the name others see, a pseudonym unless the person picks one."""

    display_name = forms.CharField(
        label=_("Display name (optional)"),
        max_length=60,
        required=False,
        help_text=_(
            "This is the name other people in your projects will see. Leave it empty and we "
            "will make up a name for you. You can change it later."
        ),
    )

    def clean_display_name(self) -> str:
        return self.cleaned_data["display_name"].strip()

    def signup(self, request: object, user: User) -> None:
        user.display_name = self.cleaned_data.get("display_name") or generate_pseudonym()
        user.save(update_fields=["display_name"])


class ProfileForm(PlainTextFormMixin, forms.ModelForm):
    """The person's own details: display name, private full name, time zone."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Dates and times are shown in this time zone."),
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "full_name",
            "time_zone",
            "larger_text",
            "reduced_motion",
            "easy_read_first",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].error_messages["required"] = _(
            "Enter a display name. It can be a made-up name."
        )
        self.fields["time_zone"].choices = [
            (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
        ]

    def clean_display_name(self) -> str:
        return self.cleaned_data["display_name"].strip()

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()


class NotificationPreferencesForm(forms.Form):
    """For each kind of notification: right away, in a daily email, or no emails."""

    def __init__(self, *args: object, initial_choices: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=initial_choices[kind.value],
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how to hear about this.")},
            )
