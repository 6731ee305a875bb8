"""Background work about projects: sending invitations."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from coproduce.text import one_line
from projects.models import Invitation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def invitation_email_send(invitation_id: str, token: str) -> None:
    """Email the invitation link. Sends nothing for an invitation no longer pending."""
    invitation = (
        Invitation.objects.select_related("project", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != "pending":
        return
    context = {
        "invitation": invitation,
        "project": invitation.project,
        "link": settings.SITE_URL.rstrip("/") + reverse("projects:invitation", args=[token]),
        "site_name": settings.SITE_NAME,
    }
    # A subject is one line whatever the project's title holds (a line break would
    # split the header and the email would never leave).
    subject = one_line(render_to_string("projects/email/invitation_subject.txt", context))
    body = render_to_string("projects/email/invitation_message.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[invitation.email])
    message.send()
