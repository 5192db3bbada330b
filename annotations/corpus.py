"""Read and check a native export (jsonl, or json as `exports.native` writes it) before
`manage.py import_corpus` loads it. Nothing here writes.

The file is untrusted. `survey()` reads it once, outside any transaction, and checks every
record: types, lengths and choices of each field, offsets and quotes against the article text,
ids unique in the file, references between rows. It sanitises as the services do at the way
in: each plain-text field through `sanitize.strip_markup`, each explanation through
`sanitize.clean_html` (the one rich-text policy; an explanation our renderer made is a fixed
point of it, so a clean file round-trips byte for byte). Values that sanitising changed are kept
in `Survey.overrides`; the loader applies them on its second read, whose digest must match the
first so that a file swapped in between cannot slip through unchecked.

References to rows that are not in the file (an approved-only export omits the verdict a
correction superseded; an `updated_since` file omits unchanged articles) are dropped and
counted, and listed in `Survey.dropped`. Errors name the file line and the row: "corpus.jsonl:3:
verdict 17: ...".
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db import models as db_models
from django.utils.dateparse import parse_date, parse_datetime

from . import sanitize, text
from .models import Article, Claim, Membership, Project, RatingLabel, Source, Verdict
from .workflow import Status

JSON_HEAD = b'{"articles":['  # the first line of `exports.native.render_json`
NAME_MAX = Membership._meta.get_field("pseudonym").max_length
# What exports write for a person: "annotator-3", "former-member-12", or a username.
NAME = re.compile(rf"[\w.@+-]{{1,{NAME_MAX}}}")

# Plain-text fields stored with markup stripped, as the services store them.
PLAIN = {
    "article": ("title", "publisher", "author", "language"),
    "claim": ("statement", "claimant"),
    "source": ("title", "publisher", "quote"),
    "verdict": ("no_source_reason", "review_note", "correction_note"),
}
URLS = {"article": ("url",), "source": ("url", "archived_url")}
MODELS: dict[str, type[db_models.Model]] = {
    "article": Article,
    "claim": Claim,
    "source": Source,
    "verdict": Verdict,
}


class CorpusError(Exception):
    """The file cannot be loaded; the message names the line and the row."""


@dataclass
class Survey:
    """What the first read learnt: enough to create the project, people and labels, and to
    load the rows on a second read without checking them again."""

    project: dict[str, Any] = field(default_factory=dict)
    records: int = 0
    digest: str = ""
    people: dict[str, str] = field(default_factory=dict)  # name -> where first seen
    approvers: set[str] = field(default_factory=set)
    labels: dict[tuple[str, int, str], dict] = field(default_factory=dict)
    ids: dict[str, dict[int, str]] = field(default_factory=dict)  # kind -> id -> where
    overrides: dict[tuple[str, int, str], str] = field(default_factory=dict)
    sanitised: Counter = field(default_factory=Counter)  # "verdict.explanation_html" -> n
    dropped_supersedes: set[int] = field(default_factory=set)  # verdict ids
    dropped_citations: set[tuple[int, int]] = field(default_factory=set)  # (verdict, source)
    dropped: list[str] = field(default_factory=list)  # "verdict 9 supersedes 4 (not in file)"

    def value(self, kind: str, pk: int, name: str, raw: Any) -> Any:
        """Return the sanitised value of a field (the raw one when sanitising kept it)."""
        return self.overrides.get((kind, pk, name), raw)


# --- Reading ---------------------------------------------------------------------------------


def read(path: Path, digest=None) -> Iterator[tuple[str, dict]]:
    """Yield (where, record) for each article record of a jsonl or json export, streaming.

    A json export as `render_json` writes it (one record per line) is streamed too; any other
    JSON document is parsed whole. The project of a json export without articles comes back as
    a record with no "claims" key. `digest`, a hashlib object, is fed every byte read.
    """
    with path.open("rb") as handle:
        first = handle.readline()
        if digest is not None:
            digest.update(first)
        if first.strip() == JSON_HEAD:
            yield from _read_json_lines(path, handle, digest)
        elif path.suffix.lower() == ".json" or first.lstrip().startswith(b'{"articles"'):
            rest = handle.read()
            if digest is not None:
                digest.update(rest)
            yield from _read_json_document(path, first + rest)
        else:
            yield from _read_jsonl(path, first, handle, digest)


def _parse(where: str, line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise CorpusError(f"{where}: not JSON ({exc}).") from None


def _read_jsonl(path: Path, first: bytes, handle, digest) -> Iterator[tuple[str, dict]]:
    number, line = 1, first
    while line:
        if line.strip():
            where = f"{path}:{number}"
            yield where, _parse(where, line)
        line = handle.readline()
        if digest is not None:
            digest.update(line)
        number += 1


def _read_json_lines(path: Path, handle, digest) -> Iterator[tuple[str, dict]]:
    for number, line in enumerate(handle, start=2):
        if digest is not None:
            digest.update(line)
        where = f"{path}:{number}"
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(b"],"):
            tail = _parse(where, b"{" + stripped[2:])
            if isinstance(tail, dict) and isinstance(tail.get("project"), dict):
                yield where, {"project": tail["project"]}
            return
        yield where, _parse(where, stripped.removeprefix(b",").removesuffix(b","))
    raise CorpusError(f"{path}: the JSON document ends early (no closing ']').")


def _read_json_document(path: Path, data: bytes) -> Iterator[tuple[str, dict]]:
    document = _parse(str(path), data)
    if not isinstance(document, dict) or not isinstance(document.get("articles"), list):
        raise CorpusError(f"{path}: a json export is an object with an 'articles' list.")
    for number, record in enumerate(document["articles"], start=1):
        yield f"{path}: article #{number}", record
    if isinstance(document.get("project"), dict):
        yield f"{path}: project", {"project": document["project"]}


# --- Checking one value ----------------------------------------------------------------------


class _Fields:
    """Typed access to one row of the file; every failure names the line and the row."""

    def __init__(self, where: str, ref: str, data: Any):
        if not isinstance(data, dict):
            raise CorpusError(f"{where}: {ref}: expected a JSON object.")
        self.where, self.ref, self.data = where, ref, data

    def fail(self, message: str) -> CorpusError:
        return CorpusError(f"{self.where}: {self.ref}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], *, null: bool = False) -> Any:
        if key not in self.data:
            raise self.fail(f"missing field {key!r}.")
        value = self.data[key]
        if value is None and null:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{key} must be {_type_name(kind)}{' or null' if null else ''}.")
        return value

    def string(self, key: str, *, null: bool = False) -> str | None:
        value = self.get(key, str, null=null)
        if value is not None and "\x00" in value:
            raise self.fail(f"{key} holds a NUL character.")
        return value

    def integer(self, key: str, *, minimum: int = 0, null: bool = False) -> int | None:
        value = self.get(key, int, null=null)
        if value is not None and not minimum <= value < 2**63:
            raise self.fail(f"{key} {value} is out of range.")
        return value

    def timestamp(self, key: str, *, null: bool = True) -> None:
        value = self.string(key, null=null)
        if value is not None and _datetime(value) is None:
            raise self.fail(f"{key} {value[:40]!r} is not an RFC 3339 timestamp.")

    def date(self, key: str) -> None:
        value = self.string(key, null=True)
        if value is not None and _date(value) is None:
            raise self.fail(f"{key} {value[:40]!r} is not a date (YYYY-MM-DD).")

    def person(self, key: str, survey: Survey, *, null: bool = True) -> str | None:
        name = self.string(key, null=null)
        if name is None:
            return None
        if not NAME.fullmatch(name):
            raise self.fail(
                f"{key} {name[:60]!r} must be a name of 1 to {NAME_MAX} letters, digits and "
                "@.+-_ (a pseudonym or a username)."
            )
        survey.people.setdefault(name, self.where)
        return name


def _type_name(kind) -> str:
    names = {str: "a string", int: "an integer", list: "a list", dict: "an object"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _datetime(value: str | None):
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None


def _date(value: str | None):
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def _check_field(row: _Fields, kind: str, name: str, value: Any) -> None:
    """Check a stored value against the model field's max_length and choices."""
    model_field = MODELS[kind]._meta.get_field(name)
    if isinstance(value, str) and model_field.max_length and len(value) > model_field.max_length:
        raise row.fail(
            f"{name} is {len(value)} characters long; the limit is {model_field.max_length}."
        )
    if model_field.choices and value not in {choice for choice, _ in model_field.choices}:
        allowed = ", ".join(str(choice) for choice, _ in model_field.choices)
        raise row.fail(f"{name} {value!r} is not one of {allowed}.")


def _sanitise(row: _Fields, survey: Survey, kind: str, pk: int) -> None:
    """Check and sanitise the plain-text and URL fields of a row, noting changed values."""
    for name in PLAIN.get(kind, ()):
        raw = row.get(name, str)
        clean = sanitize.strip_markup(sanitize.drop_control_characters(raw))
        if clean != raw:
            survey.overrides[(kind, pk, name)] = clean
            survey.sanitised[f"{kind}.{name}"] += 1
        _check_field(row, kind, name, clean)
    for name in URLS.get(kind, ()):
        url = row.string(name)
        if (url or (name == "url" and kind == "source")) and not sanitize.is_http_url(url):
            raise row.fail(f"{name} must be an http:// or https:// address (got {url[:80]!r}).")
        _check_field(row, kind, name, url)


# --- Checking the file -----------------------------------------------------------------------


def project_info(where: str, data: Any) -> dict[str, Any]:
    """Return the project description of a record, sanitised; raise CorpusError if unusable."""
    row = _Fields(where, "project", data)
    slug = row.string("slug")
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,64}", slug):
        raise row.fail(f"slug {slug[:80]!r} is not a slug (letters, digits, - and _).")
    info = {"slug": slug}
    for name in ("name", "description", "organisation_name"):
        raw = row.get(name, str) if name == "name" else (row.get(name, str, null=True) or "")
        value = sanitize.strip_markup(sanitize.drop_control_characters(raw))
        limit = Project._meta.get_field(name).max_length
        if limit and len(value) > limit:
            raise row.fail(f"{name} is {len(value)} characters long; the limit is {limit}.")
        info[name] = value
    if not info["name"]:
        raise row.fail("name is empty.")
    for name in ("organisation_url", "methodology_url", "corrections_policy_url"):
        url = _optional(row, name)
        if url and not sanitize.is_http_url(url):
            raise row.fail(f"{name} must be an http:// or https:// address (got {url[:80]!r}).")
        info[name] = url
    info["required_verdicts"] = row.integer("required_verdicts", minimum=1)
    # Older files have no independent_spans: their projects shared their claims.
    info["independent_spans"] = (
        row.get("independent_spans", bool) if "independent_spans" in row.data else False
    )
    scale = _Fields(where, "project rating_scale", row.get("rating_scale", dict))
    info["rating_scale"] = {
        "slug": _slug(scale, "slug"),
        "version": scale.integer("version", minimum=1),
        "name": sanitize.strip_markup(scale.string("name"))[:200],
    }
    return info


def _optional(row: _Fields, name: str) -> str:
    return row.string(name, null=True) or "" if name in row.data else ""


def _slug(row: _Fields, name: str) -> str:
    value = row.string(name)
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,64}", value):
        raise row.fail(f"{name} {value[:80]!r} is not a slug.")
    return value


def _rating(row: _Fields, survey: Survey) -> tuple[str, int, str]:
    rating = _Fields(row.where, f"{row.ref} rating", row.get("rating", dict))
    scale = _Fields(row.where, f"{row.ref} rating scale", rating.get("scale", dict))
    key = (_slug(scale, "slug"), scale.integer("version", minimum=1), _slug(rating, "slug"))
    if key not in survey.labels:
        label = {
            "slug": key[2],
            "name": sanitize.strip_markup(rating.string("name"))[:100] or key[2],
            "ordinal": rating.integer("ordinal", minimum=-(2**31), null=True),
            "truth_score": rating.get("truth_score", (int, float), null=True),
            "fever": rating.string("fever", null=True) or "",
            "averitec": rating.string("averitec", null=True) or "",
            "claimreview_rating": rating.get("claimreview_rating", (int, float), null=True),
        }
        if label["truth_score"] is not None and not 0 <= label["truth_score"] <= 1:
            raise rating.fail("truth_score must lie between 0 and 1.")
        for name in ("fever", "averitec"):
            choices = {c for c, _ in RatingLabel._meta.get_field(name).choices}
            if label[name] and label[name] not in choices:
                raise rating.fail(f"{name} {label[name]!r} is not one of {', '.join(choices)}.")
        survey.labels[key] = label
    return key


def survey(path: Path) -> Survey:
    """Read the whole file once and check it; raise CorpusError at the first problem."""
    result = Survey(ids={kind: {} for kind in MODELS})
    digest = hashlib.sha256()
    citations: list[tuple[str, int, int, int]] = []  # where, verdict, claim, source
    corrections: list[tuple[str, int, int, int]] = []  # where, verdict, claim, superseded
    source_claim: dict[int, int] = {}
    verdict_claim: dict[int, int] = {}
    for where, record in read(path, digest):
        info = record.get("project") if isinstance(record, dict) else None
        if not result.project:
            result.project = project_info(where, info)
        elif not isinstance(info, dict) or info.get("slug") != result.project["slug"]:
            other = info.get("slug") if isinstance(info, dict) else None
            raise CorpusError(
                f"{where}: the file mixes projects ({result.project['slug']!r} and "
                f"{other!r}); export one project per file."
            )
        if "claims" not in record:
            continue  # the project line at the end of a json export
        result.records += 1
        _article(where, record, result, source_claim, verdict_claim, citations, corrections)
    if not result.project:
        raise CorpusError(f"{path} holds no records; is it a factcheck jsonl or json export?")
    for where, verdict, claim, source in citations:
        if source not in source_claim:
            result.dropped_citations.add((verdict, source))
            result.dropped.append(f"verdict {verdict} cites source {source} (not in the file)")
        elif source_claim[source] != claim:
            raise CorpusError(f"{where}: verdict {verdict}: source {source} is another claim's.")
    for where, verdict, claim, earlier in corrections:
        if earlier not in verdict_claim:
            result.dropped_supersedes.add(verdict)
            result.dropped.append(
                f"verdict {verdict} supersedes verdict {earlier} (not in the file)"
            )
        elif verdict_claim[earlier] != claim:
            raise CorpusError(
                f"{where}: verdict {verdict}: supersedes verdict {earlier} of another claim."
            )
    result.digest = digest.hexdigest()
    return result


def _new_id(row: _Fields, survey: Survey, kind: str) -> int:
    pk = row.integer("id", minimum=1)
    row.ref = f"{kind} {pk}"
    seen = survey.ids[kind]
    if pk in seen:
        raise row.fail(f"{kind} id {pk} appears twice (first at {seen[pk]}).")
    seen[pk] = row.where
    return pk


def _article(where, record, survey: Survey, source_claim, verdict_claim, citations, corrections):
    row = _Fields(where, "article", record)
    pk = _new_id(row, survey, "article")
    body = row.string("text")
    if not body:
        raise row.fail("text is empty.")
    if row.string("text_sha256") != text.text_sha256(body):
        raise row.fail("text_sha256 does not match the text (the file was altered).")
    _sanitise(row, survey, "article", pk)
    if not survey.value("article", pk, "title", record["title"]):
        raise row.fail("title is empty.")
    row.person("created_by", survey)
    row.timestamp("published_at")
    row.timestamp("created_at", null=False)
    row.timestamp("updated_at", null=False)
    version = _provenance(row, record)
    # Older exports have no assignees; each one is a person like created_by.
    assignees = record.get("assignees", [])
    if not isinstance(assignees, list) or len(set(map(str, assignees))) != len(assignees):
        raise row.fail("assignees must be a list of distinct names.")
    for name in assignees:
        _Fields(where, row.ref, {"assignees": name}).person("assignees", survey, null=False)
    _finished_by(row, record, survey)
    layers: dict[int, str] = {}  # claim id -> layer, for the curated_claim links
    links: list[tuple[_Fields, int]] = []
    for claim_data in row.get("claims", list):
        claim = _Fields(where, "claim", claim_data)
        _claim(claim, body, survey, source_claim, verdict_claim, citations, corrections, version)
        layer, curated = _layer(claim)
        layers[claim_data["id"]] = layer
        if curated is not None:
            links.append((claim, curated))
    for claim, curated in links:
        if layers.get(curated) != "curated":
            raise claim.fail(f"curated_claim {curated} is not a curated claim of the same article.")


def _finished_by(row: _Fields, record: dict, survey: Survey) -> None:
    """Check the article's curation start and "I've finished" marks (absent in older files)."""
    if "curation_started_at" in record:
        row.timestamp("curation_started_at")
    marks = record.get("finished_by", [])
    if not isinstance(marks, list):
        raise row.fail("finished_by must be a list.")
    names = set()
    for mark in marks:
        entry = _Fields(row.where, f"{row.ref} finished_by", mark)
        name = entry.person("annotator", survey, null=False)
        entry.timestamp("finished_at", null=False)
        if name in names:
            raise entry.fail(f"{name!r} finished the article twice.")
        names.add(name)


def _layer(row: _Fields) -> tuple[str, int | None]:
    """Check a claim's layer fields (absent in older files: curated); return (layer, the
    curated claim a reviewer-layer claim was accepted or merged into)."""
    data = row.data
    layer = row.string("layer") if "layer" in data else "curated"
    _check_field(row, "claim", "layer", layer)
    if layer == "curated":
        if data.get("curation") or data.get("curated_claim") is not None:
            raise row.fail("a curated claim has no curation or curated_claim of its own.")
        return layer, None
    if row.string("annotator") != data["created_by"]:
        raise row.fail("annotator must be the claim's created_by (the layer's owner).")
    curation = row.string("curation")
    _check_field(row, "claim", "curation", curation)
    curated = row.integer("curated_claim", minimum=1, null=True)
    if curated is not None and not curation:
        raise row.fail("a claim waiting for curation has no curated_claim.")
    return layer, curated


def _provenance(row: _Fields, record: dict) -> int:
    """Check the article's version and page provenance (absent in older files); return the
    version."""
    version = row.integer("version", minimum=1) if "version" in record else 1
    if "source_url" in record:
        url = row.string("source_url")
        if url and not sanitize.is_http_url(url):
            raise row.fail(f"source_url must be an http:// or https:// address (got {url[:80]!r}).")
        _check_field(row, "article", "source_url", url)
    if "source_sha256" in record:
        digest = row.string("source_sha256")
        if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise row.fail("source_sha256 must be 64 lower-case hexadecimal digits.")
    if "fetched_at" in record:
        row.timestamp("fetched_at")
    return version


def _claim(
    row: _Fields, body: str, survey, source_claim, verdict_claim, citations, corrections, version=1
):
    pk = _new_id(row, survey, "claim")
    start, end = row.integer("start"), row.integer("end")
    anchor = row.string("anchor") if "anchor" in row.data else "exact"
    _check_field(row, "claim", "anchor", anchor)
    text_version = row.integer("text_version", minimum=1) if "text_version" in row.data else version
    quote = row.string("quote")
    if anchor == "orphaned":
        # Its offsets refer to an earlier text (not in the file): check only their shape.
        if text_version >= version or not start < end or end - start != len(quote):
            raise row.fail(
                "an orphaned claim needs an earlier text_version and a span as long as its quote."
            )
    else:
        if text_version != version:
            raise row.fail(f"text_version {text_version} is not the article's version {version}.")
        if not start < end <= len(body):
            raise row.fail(f"span [{start}, {end}) is outside the text (length {len(body)}).")
        if quote != body[start:end]:
            raise row.fail(f"the quote does not match the article text at [{start}, {end}).")
    prefix, suffix = row.string("prefix"), row.string("suffix")
    if anchor != "orphaned" and (
        body[max(0, start - len(prefix)) : start] != prefix
        or body[end : end + len(suffix)] != suffix
    ):
        raise row.fail("prefix or suffix does not match the article text around the quote.")
    _check_field(row, "claim", "prefix", prefix)
    _check_field(row, "claim", "suffix", suffix)
    _sanitise(row, survey, "claim", pk)
    row.date("claim_date")
    row.person("created_by", survey)
    row.timestamp("created_at", null=False)
    row.timestamp("updated_at", null=False)
    for source_data in row.get("sources", list):
        source = _Fields(row.where, "source", source_data)
        source_pk = _new_id(source, survey, "source")
        _sanitise(source, survey, "source", source_pk)
        _check_field(source, "source", "stance", source.string("stance"))
        source.date("accessed_at")
        source.person("added_by", survey)
        source.timestamp("created_at", null=False)
        source.timestamp("updated_at", null=False)
        source_claim[source_pk] = pk
    approved = []
    for verdict_data in row.get("verdicts", list):
        verdict = _Fields(row.where, "verdict", verdict_data)
        verdict_pk = _verdict(verdict, survey)
        verdict_claim[verdict_pk] = pk
        if verdict_data["status"] == Status.APPROVED:
            approved.append(verdict_pk)
        cited = verdict.get("sources", list)
        for source_pk in cited:
            if not isinstance(source_pk, int) or isinstance(source_pk, bool) or source_pk < 1:
                raise verdict.fail(f"sources must be a list of ids, not {source_pk!r}.")
            citations.append((row.where, verdict_pk, pk, source_pk))
        if len(set(cited)) != len(cited):
            raise verdict.fail("cites a source twice.")
        earlier = verdict.integer("supersedes", minimum=1, null=True)
        if earlier is not None:
            if earlier == verdict_pk:
                raise verdict.fail("a verdict cannot supersede itself.")
            corrections.append((row.where, verdict_pk, pk, earlier))
    if len(approved) > 1:
        raise row.fail(
            f"has {len(approved)} approved verdicts ({', '.join(map(str, approved))}); "
            "a claim has one published verdict."
        )


def _verdict(row: _Fields, survey: Survey) -> int:
    pk = _new_id(row, survey, "verdict")
    status = row.string("status")
    _check_field(row, "verdict", "status", status)
    row.integer("version", minimum=1)
    reviewer = row.person("reviewer", survey, null=False)
    approver = row.person("approved_by", survey)
    if approver is not None:
        if approver == reviewer:
            raise row.fail(f"approved by its own reviewer {approver!r} (four-eyes rule).")
        survey.approvers.add(approver)
    if status in (Status.APPROVED, Status.SUPERSEDED) and (
        approver is None or row.data.get("approved_at") is None
    ):
        raise row.fail(f"is {status} but has no approver or approval time.")
    html = row.get("explanation_html", str)
    clean = sanitize.clean_html(sanitize.drop_control_characters(html))
    if clean != html:
        survey.overrides[("verdict", pk, "explanation_html")] = clean
        survey.sanitised["verdict.explanation_html"] += 1
    _sanitise(row, survey, "verdict", pk)
    if row.data.get("supersedes") is not None and not survey.value(
        "verdict", pk, "correction_note", row.data["correction_note"]
    ):
        raise row.fail("is a correction without a correction note.")
    _rating(row, survey)
    row.timestamp("submitted_at")
    row.timestamp("approved_at")
    row.timestamp("created_at", null=False)
    row.timestamp("updated_at", null=False)
    return pk
