"""Pages about the signed-in person."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.forms import ProfileForm
from participants.services import user_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show and change the person's display name, full name and time zone."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(
            actor=request.user,
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            full_name=form.cleaned_data["full_name"],
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(request, _("Your details have been saved."))
        return redirect("participants:profile")
    return render(request, "participants/profile.html", {"form": form})
