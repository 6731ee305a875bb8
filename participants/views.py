"""Pages about the signed-in person."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.forms import ProfileForm
from participants.models import User
from participants.services import user_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show and change the person's display name, full name and time zone."""
    # A fresh copy: a refused form must not change the name shown in the page header.
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        user_update_profile(actor=request.user, user=request.user, **form.cleaned_data)
        messages.success(request, _("Your details have been saved."))
        return redirect("participants:profile")
    return render(request, "participants/profile.html", {"form": form})
