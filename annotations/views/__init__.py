"""HTML views, one module per area: `reviewer` (dashboard, projects, the annotation workspace),
`editorial` (queue, history, corrections), `account` (tokens, password). Function-based views
that parse the request, call one service or selector and render."""

from .reviewer import (
    article_add,
    article_annotate,
    claim_update,
    dashboard,
    project_detail,
    rating_styles,
    sentence_claim,
    source_add,
    verdict_save,
)

__all__ = [
    "article_add",
    "article_annotate",
    "claim_update",
    "dashboard",
    "project_detail",
    "rating_styles",
    "sentence_claim",
    "source_add",
    "verdict_save",
]
