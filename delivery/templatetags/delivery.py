"""The project page's delivery progress ("4 of 6 actions done, 1 overdue").

The project page belongs to `projects`, which cannot import delivery (it sits to its
left), so the page asks for this part by name in its template. Everyone who reaches the
project page may see the project, and so its delivery progress: two queries.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from delivery.selectors import delivery_summary
from projects.models import Project

register = template.Library()


@register.inclusion_tag("delivery/_project_progress.html")
def delivery_progress(project: Project) -> dict[str, Any]:
    return {"project": project, "summary": delivery_summary(project, timezone.localdate())}
