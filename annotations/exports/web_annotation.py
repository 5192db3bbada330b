"""The `wadm` format: W3C Web Annotation Data Model JSON-LD, as JSON lines.

Line 1 is the `AnnotationCollection` (total, first and last page); every further line is an
`AnnotationPage` of up to `PAGE_SIZE` annotations with `partOf`, `startIndex`, `prev`/`next`.
Embedded annotations carry no `@context` (they inherit the page's). Per claim, in order:

- the claim: motivation `classifying`, targeting the article text with a
  `TextPositionSelector` (code points, end exclusive) and a `TextQuoteSelector`
  (exact, prefix, suffix). With independent span annotation every reviewer's span is one such
  annotation, `creator` the reviewer's pseudonym, with a `tagging` body "reviewer layer" (and
  "curation: accepted" etc. once curated); curated claims carry no tag;
- each source: motivation `linking`, body the source (with its quoted passage and archived
  copy) and a `tagging` body with its stance;
- the approved verdict: motivation `assessing`, a `classifying` body (the rating's name), a
  `describing` body (the explanation as plain text) and a link to the verdict's page.

The collection's total and page links come from counts taken before streaming
(`ExportContext.counts`). Pure: rows in, bytes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from .common import GENERATOR_NAME, ExportContext, Row, dumps

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
PAGE_SIZE = 500


def collection_iri(context: ExportContext) -> str:
    query = {"format": "wadm", "status": context.status}
    if context.updated_since:
        query["updated_since"] = context.updated_since
    return context.link(f"api/v1/projects/{context.project['slug']}/export/?{urlencode(query)}")


def page_iri(context: ExportContext, number: int) -> str:
    return f"{collection_iri(context)}&page={number}"


def _agent(name: str | None) -> dict[str, str]:
    return {"type": "Person", "nickname": name or "unknown"}


def _tag(value: str) -> dict[str, str]:
    return {"type": "TextualBody", "purpose": "tagging", "value": value, "format": "text/plain"}


def _target(article: Row, claim: Row) -> dict[str, Any]:
    source: dict[str, Any] = {"id": "", "type": "Text", "format": "text/plain"}
    if article["language"]:
        source["language"] = article["language"]
    target: dict[str, Any] = {
        "type": "SpecificResource",
        "source": source,
        "selector": [
            {"type": "TextPositionSelector", "start": claim["start"], "end": claim["end"]},
            {
                "type": "TextQuoteSelector",
                "exact": claim["quote"],
                "prefix": claim["prefix"],
                "suffix": claim["suffix"],
            },
        ],
    }
    if article["url"]:
        target["scope"] = article["url"]
    return target


def article_annotations(article: Row, context: ExportContext) -> Iterator[dict[str, Any]]:
    """Yield the annotations of one article (claims, their sources and approved verdicts)."""
    generator = {"id": context.base_url, "type": "Software", "name": GENERATOR_NAME}
    text_iri = context.article_text_iri(article["id"])
    for claim in article["claims"]:
        target = _target(article, claim)
        target["source"]["id"] = text_iri
        body: list[dict[str, Any]] = [
            {
                "type": "TextualBody",
                "purpose": "classifying",
                "value": "check-worthy claim",
                "format": "text/plain",
            }
        ]
        if claim.get("layer") == "reviewer":
            body.append(_tag("reviewer layer"))
            if claim.get("curation"):
                body.append(_tag(f"curation: {claim['curation']}"))
        if claim["statement"]:
            body.append(
                {
                    "type": "TextualBody",
                    "purpose": "describing",
                    "value": claim["statement"],
                    "format": "text/plain",
                }
            )
        yield {
            "id": context.link(f"api/v1/claims/{claim['id']}/"),
            "type": "Annotation",
            "motivation": "classifying",
            "creator": _agent(claim["created_by"]),
            "created": claim["created_at"],
            "modified": claim["updated_at"],
            "generator": generator,
            "body": body,
            "target": target,
        }
        for source in claim["sources"]:
            resource: dict[str, Any] = {"type": "SpecificResource", "source": source["url"]}
            if source["quote"]:
                resource["selector"] = {"type": "TextQuoteSelector", "exact": source["quote"]}
            if source["archived_url"]:
                state: dict[str, Any] = {"type": "TimeState", "cached": source["archived_url"]}
                if source["accessed_at"]:
                    state["sourceDate"] = source["accessed_at"] + "T00:00:00Z"
                resource["state"] = state
            yield {
                "id": context.link(f"api/v1/claims/{claim['id']}/sources/#source-{source['id']}"),
                "type": "Annotation",
                "motivation": "linking",
                "creator": _agent(source["added_by"]),
                "created": source["created_at"],
                "modified": source["updated_at"],
                "body": [
                    resource,
                    {
                        "type": "TextualBody",
                        "purpose": "tagging",
                        "value": source["stance"],
                        "format": "text/plain",
                    },
                ],
                "target": target,
            }
        for verdict in claim["verdicts"]:
            if verdict["status"] != "approved":
                continue
            verdict_body: list[dict[str, Any]] = [
                {
                    "type": "TextualBody",
                    "purpose": "classifying",
                    "value": verdict["rating"]["name"],
                    "format": "text/plain",
                }
            ]
            if verdict["explanation_text"]:
                verdict_body.append(
                    {
                        "type": "TextualBody",
                        "purpose": "describing",
                        "value": verdict["explanation_text"],
                        "format": "text/plain",
                    }
                )
            verdict_body.append(
                {
                    "type": "SpecificResource",
                    "purpose": "linking",
                    "source": context.verdict_page(verdict["id"]),
                }
            )
            yield {
                "id": context.link(f"api/v1/verdicts/{verdict['id']}/"),
                "type": "Annotation",
                "motivation": "assessing",
                "creator": _agent(verdict["reviewer"]),
                "created": verdict["created_at"],
                "modified": verdict["approved_at"],
                "generator": generator,
                "body": verdict_body,
                "target": target,
            }


def annotation_total(counts: dict[str, int]) -> int:
    return counts.get("claims", 0) + counts.get("sources", 0) + counts.get("approved_verdicts", 0)


def render_wadm(
    chunks: Iterable[list[Row]], *, context: ExportContext, stats: dict
) -> Iterator[bytes]:
    """Yield the collection line, then one AnnotationPage line per PAGE_SIZE annotations."""
    total = annotation_total(context.counts)
    pages = max(1, -(-total // PAGE_SIZE))
    collection: dict[str, Any] = {
        "@context": [ANNO_CONTEXT, LDP_CONTEXT],
        "id": collection_iri(context),
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": f"{context.project['name']}: annotated corpus",
        "total": total,
        "first": page_iri(context, 0),
        "last": page_iri(context, pages - 1),
    }
    yield dumps(collection) + b"\n"
    items: list[dict[str, Any]] = []
    number = 0

    def page(last: bool) -> bytes:
        doc: dict[str, Any] = {
            "@context": ANNO_CONTEXT,
            "id": page_iri(context, number),
            "type": "AnnotationPage",
            "partOf": {"id": collection["id"], "label": collection["label"], "total": total},
            "startIndex": number * PAGE_SIZE,
            "items": items,
        }
        if number > 0:
            doc["prev"] = page_iri(context, number - 1)
        if not last:
            doc["next"] = page_iri(context, number + 1)
        return dumps(doc) + b"\n"

    written = 0
    for rows in chunks:
        for article in rows:
            for annotation in article_annotations(article, context):
                items.append(annotation)
                written += 1
                if len(items) == PAGE_SIZE and written < total:
                    yield page(last=False)
                    items = []
                    number += 1
    yield page(last=True)
    stats["annotations"] = written
