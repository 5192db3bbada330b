"""HTML views, one module per area: `reviewer` (dashboard, projects, the annotation workspace),
`editorial` (queue, history, corrections), `account` (tokens, password). Function-based views
that parse the request, call one service or selector and render."""

from .reviewer import article_annotate, dashboard, project_detail

__all__ = ["article_annotate", "dashboard", "project_detail"]
