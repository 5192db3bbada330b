"""Field limits, declared once. Models use them as `max_length` (also on text columns, where the
database does not enforce it); forms and serializers take them from here or from the model
field; services check them before writing; templates get them through the forms' `maxlength`.
Limits an operator may change (article size, claims per article, explanation length...) are
settings (`FACTCHECK`), read at call time by `configured`.
"""

from __future__ import annotations

from django.conf import settings

SLUG = 64
LANGUAGE = 16
NAME = 200  # people, publishers, organisations, claimants
LABEL_NAME = 100
TITLE = 500
URL = 2000
STATEMENT = 2000
REASON = 2000  # why a verdict cites no source
NOTE = 5000  # editors' notes, correction notes
DESCRIPTION = 5000
SOURCE_QUOTE = 10_000
# Quotes the API anchors in the text, and their context.
ANCHOR_QUOTE = 100_000
ANCHOR_CONTEXT = 1000
# How much of a quote an event keeps (the span's offsets are kept whole).
EVENT_QUOTE = 1000
# Source ids a verdict may list in one request.
CITED_IDS = 200


def configured(name: str) -> int:
    """Return the operator-configured limit `name` of settings.FACTCHECK (MAX_ARTICLE_CHARS...)."""
    return settings.FACTCHECK[name]
