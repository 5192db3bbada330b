"""Template filters that decide whether to link the team pages (settings, members).

`{% load team_links %}` then `{% if user|administers:project %}`. They ask `permissions`, whose
per-request role cache keeps this at one query per project.
"""

from __future__ import annotations

from django import template

from .. import permissions

register = template.Library()


@register.filter
def administers(user, project) -> bool:
    """Return whether `user` may change `project`'s settings and members."""
    return permissions.can_edit_project(user, project)
