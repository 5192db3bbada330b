"""Every write to the domain goes through a function here, by subject: `projects`, `articles`,
`claims` (with their sources), `verdicts` (drafts, edits, corrections) and `review` (submit,
approve, return, withdraw), `curation` (independent layers into the curated one); `common` holds what they share, among it the one helper that locks a
claim's verdicts and performs a versioned, recorded transition.

Services are keyword-only and typed. Work proportional to the input (Markdown, HTML, quote
anchoring, sentence splitting) happens before the transaction opens; inside it they lock what
they change in one order (article, claim, verdicts by id, sources), ask `workflow` whether the
actor may act, write one `Event` per change and save with `update_fields`. They raise the errors
of `exceptions.py`, which the pages and the API turn into messages and status codes. This is the
only package that assigns a verdict's status.
"""

from .articles import Provenance, import_article, import_page, import_url
from .checkworthiness import dismiss_sentence, restore_sentence, train_checkworthiness
from .claims import (
    UNDO_SECONDS,
    attach_source,
    delete_claim,
    mark_claim,
    remove_source,
    resolve_span,
    restore_claim,
    update_claim,
    update_source,
)
from .common import record_event
from .curation import accept_span, merge_spans, reject_span, reset_curation
from .invitations import (
    accept_invitation,
    create_invitation,
    find_invitation,
    revoke_invitation,
)
from .layers import finish_article, reopen_article
from .matching import confirm_match, dismiss_match
from .projects import (
    add_member,
    create_project,
    ensure_default_scale,
    remove_member,
    update_project,
)
from .review import approve_verdict, return_verdict, submit_verdict, withdraw_verdict
from .team import (
    BulkOutcome,
    add_member_by_name,
    assign_articles,
    create_scale_version,
    review_in_bulk,
    unassign_articles,
)
from .verdicts import correct_verdict, draft_verdict, render_explanation, update_verdict
from .versions import VersionResult, add_article_version, clear_article_changed, reattach_claim

__all__ = [
    "UNDO_SECONDS",
    "BulkOutcome",
    "Provenance",
    "VersionResult",
    "accept_invitation",
    "accept_span",
    "add_article_version",
    "add_member",
    "add_member_by_name",
    "approve_verdict",
    "assign_articles",
    "attach_source",
    "clear_article_changed",
    "confirm_match",
    "correct_verdict",
    "create_invitation",
    "create_project",
    "create_scale_version",
    "delete_claim",
    "dismiss_match",
    "dismiss_sentence",
    "draft_verdict",
    "ensure_default_scale",
    "find_invitation",
    "finish_article",
    "import_article",
    "import_page",
    "import_url",
    "mark_claim",
    "merge_spans",
    "reattach_claim",
    "record_event",
    "reject_span",
    "remove_member",
    "remove_source",
    "render_explanation",
    "reopen_article",
    "reset_curation",
    "resolve_span",
    "restore_claim",
    "restore_sentence",
    "return_verdict",
    "review_in_bulk",
    "revoke_invitation",
    "submit_verdict",
    "train_checkworthiness",
    "unassign_articles",
    "update_claim",
    "update_project",
    "update_source",
    "update_verdict",
    "withdraw_verdict",
]
