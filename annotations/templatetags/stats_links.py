"""Template filters that decide whether to link the agreement and statistics pages.

`{% load stats_links %}` then `{% if user|may_read_stats:project %}`. The dashboard asks this
for every project it lists, so the user's memberships are read once per request (one query)
and kept on the user object, instead of one query per project.
"""

from __future__ import annotations

from django import template

from ..models import Membership
from ..workflow import EXPORTERS

register = template.Library()


@register.filter
def may_read_stats(user, project) -> bool:
    """Return whether `user` may see `project`'s agreement and statistics pages."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = getattr(user, "_factcheck_stats_roles", None)
    if roles is None:
        roles = {}
        for project_id, role in Membership.objects.filter(user=user).values_list(
            "project_id", "role"
        ):
            roles.setdefault(project_id, set()).add(role)
        user._factcheck_stats_roles = roles
    return bool(roles.get(project.pk, set()) & EXPORTERS)
