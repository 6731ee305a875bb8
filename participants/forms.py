"""Forms about people: details asked at sign-up, and the profile page."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.forms import PlainTextFormMixin
from coproduce.text import visible_name
from participants.models import User, display_name_taken, is_reserved_display_name
from participants.notifications.models import Delivery, Kind
from participants.services import user_sign_up_complete


class DisplayNameField(forms.CharField):
    """A display name as it will be shown: control characters, direction overrides and
    other invisible characters are removed (not refused), spaces collapsed."""

    def to_python(self, value: object) -> str:
        return visible_name(super().to_python(value))


def _unique_display_name(typed: str, *, person: User | None) -> str:
    """The name as it will be shown (hidden characters removed); refuse one in use."""
    name = visible_name(typed)
    if name and is_reserved_display_name(name):
        raise forms.ValidationError(
            _(
                "Names starting 'Former member' are kept for accounts that were erased. "
                "Choose another one."
            ),
            code="reserved",
        )
    if name and display_name_taken(name, person=person):
        raise forms.ValidationError(
            _(
                "Someone else already uses this display name. Choose another one: you "
                "could add a word or a number."
            ),
            code="taken",
        )
    return name


class SignupDetailsForm(PlainTextFormMixin, forms.Form):
    """Extra sign-up field: the name others see, a pseudonym unless the person picks one."""

    display_name = DisplayNameField(
        label=_("Display name (optional)"),
        max_length=60,
        required=False,
        help_text=_(
            "This is the name other people in your projects will see. Leave it empty and we "
            "will make up a name for you. You can change it later."
        ),
    )

    def clean_display_name(self) -> str:
        return _unique_display_name(self.cleaned_data["display_name"], person=None)

    def signup(self, request: object, user: User) -> None:
        user_sign_up_complete(user=user, display_name=self.cleaned_data.get("display_name", ""))


class ProfileForm(PlainTextFormMixin, forms.ModelForm):
    """The person's own details: display name, private full name, time zone."""

    display_name = DisplayNameField(
        label=_("Display name"),
        max_length=60,
        help_text=User._meta.get_field("display_name").help_text,
        error_messages={"required": _("Enter a display name. It can be a made-up name.")},
    )
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
        name = _unique_display_name(self.cleaned_data["display_name"], person=self.instance)
        if not name:
            raise forms.ValidationError(
                _("Enter a display name. It can be a made-up name."), code="required"
            )
        return name

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
