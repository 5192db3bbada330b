"""The `claimreview` format: a schema.org `DataFeed` of ClaimReview JSON-LD, one per approved
verdict on a curated claim (reviewers' own layers are never published), as Google's
fact-check markup documentation describes it.

`reviewRating.alternateName` is the label's name; `ratingValue`, `bestRating` and
`worstRating` appear only for on-axis labels (`RatingScale.claimreview_bounds`): an Unproven or
Misleading verdict carries no number, and none is invented. Pure: rows in, bytes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .common import ExportContext, Row, dumps


def _organisation(context: ExportContext) -> dict[str, Any]:
    project = context.project
    org: dict[str, Any] = {
        "@type": "Organization",
        "name": project["organisation_name"] or project["name"],
    }
    if project["organisation_url"]:
        org["url"] = project["organisation_url"]
    if project["methodology_url"]:
        org["publishingPrinciples"] = project["methodology_url"]
    if project["corrections_policy_url"]:
        org["correctionsPolicy"] = project["corrections_policy_url"]
    return org


def _rating(verdict: Row) -> dict[str, Any]:
    rating = verdict["rating"]
    out: dict[str, Any] = {"@type": "Rating", "alternateName": rating["name"]}
    if verdict["explanation_text"]:
        out["ratingExplanation"] = verdict["explanation_text"]
    bounds = rating["claimreview_bounds"]
    if rating["claimreview_rating"] is not None and bounds:
        out["ratingValue"] = rating["claimreview_rating"]
        out["worstRating"], out["bestRating"] = bounds
    return out


def _claim(article: Row, claim: Row) -> dict[str, Any]:
    appearance: dict[str, Any] = {"@type": "NewsArticle", "headline": article["title"]}
    if article["url"]:
        appearance["url"] = article["url"]
    if article["publisher"]:
        appearance["publisher"] = {"@type": "Organization", "name": article["publisher"]}
    if article["published_at"]:
        appearance["datePublished"] = article["published_at"]
    item: dict[str, Any] = {"@type": "Claim", "appearance": appearance}
    if claim["claimant"]:
        item["author"] = {"@type": "Person", "name": claim["claimant"]}
    date = claim["claim_date"] or (article["published_at"] or "")[:10]
    if date:
        item["datePublished"] = date
    return item


def claim_review(article: Row, claim: Row, verdict: Row, context: ExportContext) -> dict:
    """Return the ClaimReview of one approved verdict."""
    url = context.verdict_page(verdict["id"])
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "@id": url + "#claimreview",
        "url": url,
        "name": claim["statement"] or claim["quote"],
        "claimReviewed": claim["statement"] or claim["quote"],
        "datePublished": verdict["approved_at"][:10],
        "dateModified": verdict["approved_at"],
        "author": _organisation(context),
        "reviewRating": _rating(verdict),
        "itemReviewed": _claim(article, claim),
    }
    if article["language"]:
        review["inLanguage"] = article["language"]
    return review


def approved_reviews(chunks: Iterable[list[Row]], context: ExportContext) -> Iterator[dict]:
    """Yield the ClaimReview of every approved verdict, in article and claim order."""
    for rows in chunks:
        for article in rows:
            for claim in article["claims"]:
                if claim.get("layer", "curated") != "curated":
                    continue  # reviewers' own spans are not published
                for verdict in claim["verdicts"]:
                    if verdict["status"] == "approved":
                        yield claim_review(article, claim, verdict, context)


def render_claimreview(
    chunks: Iterable[list[Row]], *, context: ExportContext, stats: dict
) -> Iterator[bytes]:
    """Yield a DataFeed document whose elements wrap one ClaimReview each."""
    yield b'{"@context":"https://schema.org","@type":"DataFeed","dataFeedElement":['
    count = 0
    for review in approved_reviews(chunks, context):
        element = {
            "@type": "DataFeedItem",
            "dateCreated": review["dateModified"],
            "url": review["url"],
            "item": [review],
        }
        yield (b"\n" if count == 0 else b",\n") + dumps(element)
        count += 1
    stats["claimreviews"] = count
    name = f"{_organisation(context)['name']} ClaimReview export"
    yield b"\n]," + dumps({"name": name})[1:] + b"\n"
