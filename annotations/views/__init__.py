"""HTML views, one module per area: `reviewer` (dashboard, a project's articles, adding one),
`annotate` (the annotation page) and `panel` (its claim panel's writes), `editorial` (queue,
history, corrections), `curation` (editors curate reviewers' layers), `account` (tokens,
password), `team`, `stats`, `imports`, `versions`, `matching`, `checkworthiness`.
Function-based views that parse the request, call one service or selector and render."""

from .account import account, token_create, token_created, token_revoke
from .annotate import article_annotate, rating_styles
from .curation import article_curate
from .editorial import (
    claim_history,
    review_queue,
    verdict_approve,
    verdict_correct,
    verdict_detail,
    verdict_return,
    verdict_submit,
    verdict_withdraw,
)
from .imports import import_new, job_detail
from .matching import claim_match_decide
from .panel import (
    article_finish,
    claim_delete,
    claim_span,
    claim_undo,
    claim_update,
    sentence_claim,
    source_add,
    source_remove,
    source_update,
    verdict_save,
)
from .reviewer import article_add, dashboard, project_detail
from .versions import article_version_new, claim_reattach, verdict_article_checked

__all__ = [
    "account",
    "article_add",
    "article_annotate",
    "article_curate",
    "article_finish",
    "article_version_new",
    "claim_delete",
    "claim_history",
    "claim_match_decide",
    "claim_reattach",
    "claim_span",
    "claim_undo",
    "claim_update",
    "dashboard",
    "import_new",
    "job_detail",
    "project_detail",
    "rating_styles",
    "review_queue",
    "sentence_claim",
    "source_add",
    "source_remove",
    "source_update",
    "token_create",
    "token_created",
    "token_revoke",
    "verdict_approve",
    "verdict_article_checked",
    "verdict_correct",
    "verdict_detail",
    "verdict_return",
    "verdict_save",
    "verdict_submit",
    "verdict_withdraw",
]
