"""Claim matching: what makes two claims the same claim, and finding earlier checked claims.

`compare` is the pure half (features, differences, score; no Django), `lexicon` its word lists,
`search` the database half (full-text candidates, re-ranking, scope, decisions). Who may search
which projects is the caller's business (`selectors`, the views); nothing here writes.
"""

from .compare import (
    RELATED_THRESHOLD,
    SAME_THRESHOLD,
    Comparison,
    Difference,
    Features,
    Quantity,
    compare,
    differences,
    embedder,
    features,
    query_terms,
    same_threshold,
    semantic_similarities,
    similarity,
)
from .search import Match, matches_for_claim, scope_for, search

__all__ = [
    "RELATED_THRESHOLD",
    "SAME_THRESHOLD",
    "Comparison",
    "Difference",
    "Features",
    "Match",
    "Quantity",
    "compare",
    "differences",
    "embedder",
    "features",
    "matches_for_claim",
    "query_terms",
    "same_threshold",
    "scope_for",
    "search",
    "semantic_similarities",
    "similarity",
]
