"""The development email backend: every message to a file in var/mail/ and to the console."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class DevelopmentEmailBackend(BaseEmailBackend):
    """Write each message to EMAIL_FILE_PATH and print it, so a developer sees codes at once."""

    def __init__(self, fail_silently: bool = False, **kwargs: object) -> None:
        super().__init__(fail_silently=fail_silently)
        self.file_backend = FileBackend(fail_silently=fail_silently, **kwargs)
        self.console_backend = ConsoleBackend(fail_silently=fail_silently)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = self.file_backend.send_messages(email_messages)
        self.console_backend.send_messages(email_messages)
        return sent
