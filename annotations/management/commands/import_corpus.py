"""`manage.py import_corpus FILE`: load one of our own native exports (jsonl or json, any
status, any `updated_since`) into a database that does not hold the project yet — the
documented backup and migration path.

This is the one place that creates rows in historical states directly (approved verdicts with
their approvers, superseded ones, original ids and timestamps) instead of replaying the
workflow through the services. The file is untrusted: `annotations.corpus.survey` reads and
checks all of it first, outside any transaction (see there for what is checked and sanitised,
and how references to rows not in the file are dropped and counted); ids already taken in this
database are refused before anything is written. Only then does one transaction load it, with
every database constraint still checked, so a file that contradicts them loads nothing. A
`status=all` export of the loaded project (same format and base URL) is byte-identical to the
file.

People: every name in the file (pseudonym, or username in an export with identities) becomes a
NEW inactive user without a usable password, named `import-<project>-<name>` (with a numeric
suffix if taken), and a membership (editor when they approved something, else reviewer) whose
pseudonym is the name. A name is never matched to an existing account, so a file cannot give
anyone here a role or authorship. Rating scales: a scale the database lacks is created from the
labels the verdicts use; an existing scale is used as it is (scales are never edited once
used), and a label it lacks is an error. Independent span annotation: each claim's `layer`
(older files: curated), a reviewer-layer claim's owner (`created_by`, the same name as its
`annotator`), `curation` and `curated_claim`, the project's `independent_spans`, and each
article's `curation_started_at` and `finished_by` marks (`LayerCompletion`) are restored. Not
restored: the Markdown source of explanations (exports carry the rendering; `explanation` is
set to its text), event history, real accounts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from annotations import services, text
from annotations.corpus import CorpusError, Survey, read, survey
from annotations.exports.common import html_to_text
from annotations.models import (
    Article,
    Assignment,
    Claim,
    LayerCompletion,
    Membership,
    Project,
    RatingLabel,
    RatingScale,
    Sentence,
    Source,
    User,
    Verdict,
)
from annotations.progress import Progress
from annotations.workflow import Role

BATCH = 100  # articles per bulk insert
ID_QUERY_CHUNK = 500  # ids per "already taken?" query, well inside every parameter limit


def _dt(value):
    if not value:
        return None
    parsed = parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def _date(value):
    return parse_date(value) if value else None


@contextlib.contextmanager
def _keep_timestamps(*models):
    """Let bulk_create store the exported created_at/updated_at instead of now."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def import_username(slug: str, name: str) -> str:
    """Return the base username for an imported person: namespaced by project, so it cannot
    be mistaken for, or collide by design with, an account made here."""
    safe = re.sub(r"[^\w.@+-]", "-", name, flags=re.ASCII).strip("-") or "person"
    return f"import-{slug}-{safe}"[:140]


class Command(BaseCommand):
    help = (
        "Load a jsonl or json export of a project (any status, any updated_since) into a "
        "database without that project. The file is checked and sanitised first; its people "
        "become new inactive users, never existing accounts."
    )
    # System checks cost about a second per run and check nothing this command relies on.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **opts):
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        try:
            found = survey(file)
        except CorpusError as exc:
            raise CommandError(f"{exc} Nothing was imported.") from None
        slug = found.project["slug"]
        if Project.objects.filter(slug=slug).exists():
            raise CommandError(
                f"This database already has a project {slug!r}; import_corpus loads "
                "into a database without it (restore into an empty database)."
            )
        self._refuse_taken_ids(found)
        try:
            with (
                transaction.atomic(),
                _keep_timestamps(Article, Claim, Source, Verdict, LayerCompletion),
            ):
                counts = self._load(file, found)
                self._reset_sequences()
        except CorpusError as exc:
            raise CommandError(f"{exc} Nothing was imported.") from None
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the file ({exc}); nothing was imported. Load it into "
                "an empty database."
            ) from None
        self.stderr.write(
            "Imported project {slug}: {articles} articles, {claims} claims, {sources} sources, "
            "{verdicts} verdicts, {people} people (new inactive users).".format(slug=slug, **counts)
        )
        if found.sanitised:
            details = ", ".join(f"{n} {name}" for name, n in sorted(found.sanitised.items()))
            self.stderr.write(f"Sanitised values (markup removed): {details}.")
        if found.dropped:
            self.stderr.write(
                f"Dropped {len(found.dropped)} reference(s) to rows not in the file "
                f"(listed in the import event): {'; '.join(found.dropped[:5])}"
                + ("; ..." if len(found.dropped) > 5 else ".")
            )

    def _refuse_taken_ids(self, found: Survey) -> None:
        """Refuse, before any write, ids of the file that rows in this database already use."""
        models = {"article": Article, "claim": Claim, "source": Source, "verdict": Verdict}
        for kind, model in models.items():
            ids = sorted(found.ids[kind])
            for begin in range(0, len(ids), ID_QUERY_CHUNK):
                chunk = ids[begin : begin + ID_QUERY_CHUNK]
                taken = model.objects.filter(pk__in=chunk).order_by("pk").first()
                if taken is not None:
                    raise CommandError(
                        f"{found.ids[kind][taken.pk]}: {kind} {taken.pk} already exists in this "
                        "database (import_corpus keeps ids); load the file into an empty "
                        "database. Nothing was imported."
                    )

    def _scales(self, found: Survey) -> dict[tuple[str, int, str], int]:
        """Return {(scale slug, version, label slug): label id}, creating missing scales."""
        info = found.project["rating_scale"]
        home = (info["slug"], info["version"])
        wanted = {(s, v) for s, v, _ in found.labels} | {home}
        label_ids = {}
        for slug, version in sorted(wanted):
            mine = [label for (s, v, _), label in found.labels.items() if (s, v) == (slug, version)]
            scale = RatingScale.objects.filter(slug=slug, version=version).first()
            if scale is None:
                scale = RatingScale.objects.create(
                    slug=slug,
                    version=version,
                    name=info["name"] if (slug, version) == home else slug,
                )
                mine.sort(key=lambda r: (r["ordinal"] is None, -(r["ordinal"] or 0), r["slug"]))
                RatingLabel.objects.bulk_create(
                    RatingLabel(scale=scale, position=position, **label)
                    for position, label in enumerate(mine)
                )
            existing = dict(scale.labels.values_list("slug", "pk"))
            for label in mine:
                if label["slug"] not in existing:
                    raise CorpusError(
                        f"The rating scale {slug} v{version} in this database has no label "
                        f"{label['slug']!r}, which the file uses; scales are not changed once used."
                    )
                label_ids[(slug, version, label["slug"])] = existing[label["slug"]]
        label_ids[home] = RatingScale.objects.get(slug=home[0], version=home[1]).pk
        return label_ids

    def _people(self, project: Project, found: Survey) -> dict[str, int]:
        """Create one new inactive user and membership per name; return {name: user id}."""
        prefix = f"import-{project.slug}-"
        taken = set(
            User.objects.filter(username__startswith=prefix).values_list("username", flat=True)
        )
        usernames = {}
        for name in sorted(found.people):
            base = candidate = import_username(project.slug, name)
            number = 1
            while candidate in taken:
                number += 1
                candidate = f"{base}-{number}"
            taken.add(candidate)
            usernames[name] = candidate
        User.objects.bulk_create(
            User(username=username, is_active=False, password=make_password(None))
            for username in usernames.values()
        )
        ids = {
            username: pk
            for username, pk in User.objects.filter(
                username__in=list(usernames.values())
            ).values_list("username", "pk")
        }
        Membership.objects.bulk_create(
            Membership(
                project=project,
                user_id=ids[usernames[name]],
                role=Role.EDITOR if name in found.approvers else Role.REVIEWER,
                pseudonym=name,
            )
            for name in sorted(found.people)
        )
        return {name: ids[username] for name, username in usernames.items()}

    def _load(self, file: Path, found: Survey) -> dict[str, int]:
        info = found.project
        label_ids = self._scales(found)
        project = Project.objects.create(
            slug=info["slug"],
            name=info["name"],
            description=info["description"],
            organisation_name=info["organisation_name"],
            organisation_url=info["organisation_url"],
            methodology_url=info["methodology_url"],
            corrections_policy_url=info["corrections_policy_url"],
            required_verdicts=info["required_verdicts"],
            independent_spans=info["independent_spans"],
            rating_scale_id=label_ids[
                (info["rating_scale"]["slug"], info["rating_scale"]["version"])
            ],
        )
        people = self._people(project, found)

        def uid(name):
            return people[name] if name else None

        counts = dict.fromkeys(("articles", "claims", "sources", "verdicts"), 0)
        counts["people"] = len(people)
        batch: list[dict] = []
        value = found.value
        progress = Progress(found.records, label="Importing", stream=self.stderr._out)
        links: list[tuple[int, int]] = []  # claim matching: (claim, matched) to restore last

        def flush():
            articles, sentences, claims, sources, verdicts, cited = [], [], [], [], [], []
            assignments, completions = [], []
            for record in batch:
                a = record["id"]
                assignments += [
                    Assignment(article_id=a, user_id=uid(name))
                    for name in record.get("assignees", [])
                ]
                completions += [
                    LayerCompletion(
                        article_id=a,
                        user_id=uid(mark["annotator"]),
                        finished_at=_dt(mark["finished_at"]),
                    )
                    for mark in record.get("finished_by", [])
                ]
                articles.append(
                    Article(
                        id=a,
                        project=project,
                        title=value("article", a, "title", record["title"]),
                        url=record["url"],
                        publisher=value("article", a, "publisher", record["publisher"]),
                        author=value("article", a, "author", record["author"]),
                        published_at=_dt(record["published_at"]),
                        language=value("article", a, "language", record["language"]),
                        text=record["text"],
                        text_sha256=record["text_sha256"],
                        version=record.get("version", 1),
                        source_url=record.get("source_url", ""),
                        source_sha256=record.get("source_sha256", ""),
                        fetched_at=_dt(record.get("fetched_at")),
                        curation_started_at=_dt(record.get("curation_started_at")),
                        created_by_id=uid(record["created_by"]),
                        created_at=_dt(record["created_at"]),
                        updated_at=_dt(record["updated_at"]),
                    )
                )
                sentences += [
                    Sentence(
                        article_id=a,
                        index=span.index,
                        start=span.start,
                        end=span.end,
                        score=span.score,
                        reasons=list(span.reasons),
                    )
                    for span in text.split_sentences(record["text"])
                ]
                for c in record["claims"]:
                    cid = c["id"]
                    claims.append(
                        Claim(
                            id=cid,
                            article_id=a,
                            start=c["start"],
                            end=c["end"],
                            quote=c["quote"],
                            prefix=c["prefix"],
                            suffix=c["suffix"],
                            anchor=c.get("anchor", "exact"),
                            text_version=c.get("text_version", record.get("version", 1)),
                            statement=value("claim", cid, "statement", c["statement"]),
                            claimant=value("claim", cid, "claimant", c["claimant"]),
                            claim_date=_date(c["claim_date"]),
                            created_by_id=uid(c["created_by"]),
                            created_at=_dt(c["created_at"]),
                            updated_at=_dt(c["updated_at"]),
                            # Older files have no layers: every claim was shared (curated).
                            layer=c.get("layer", "curated"),
                            curation=c.get("curation", ""),
                            curated_claim_id=c.get("curated_claim"),
                        )
                    )
                    links.extend((c["id"], matched) for matched in c.get("matches", []))
                    for s in c["sources"]:
                        sid = s["id"]
                        sources.append(
                            Source(
                                id=sid,
                                claim_id=cid,
                                url=s["url"],
                                title=value("source", sid, "title", s["title"]),
                                publisher=value("source", sid, "publisher", s["publisher"]),
                                quote=value("source", sid, "quote", s["quote"]),
                                stance=s["stance"],
                                accessed_at=_date(s["accessed_at"]),
                                archived_url=s["archived_url"],
                                added_by_id=uid(s["added_by"]),
                                created_at=_dt(s["created_at"]),
                                updated_at=_dt(s["updated_at"]),
                            )
                        )
                    for v in c["verdicts"]:
                        vid, r = v["id"], v["rating"]
                        html = value("verdict", vid, "explanation_html", v["explanation_html"])
                        verdicts.append(
                            Verdict(
                                id=vid,
                                claim_id=cid,
                                reviewer_id=uid(v["reviewer"]),
                                rating_id=label_ids[
                                    (r["scale"]["slug"], r["scale"]["version"], r["slug"])
                                ],
                                # The text of the sanitised HTML, not the file's own copy.
                                explanation=html_to_text(html),
                                explanation_html=html,
                                explanation_text=html_to_text(html),
                                no_source_reason=value(
                                    "verdict", vid, "no_source_reason", v["no_source_reason"]
                                ),
                                status=v["status"],
                                version=v["version"],
                                submitted_at=_dt(v["submitted_at"]),
                                approved_by_id=uid(v["approved_by"]),
                                approved_at=_dt(v["approved_at"]),
                                review_note=value("verdict", vid, "review_note", v["review_note"]),
                                supersedes_id=None
                                if vid in found.dropped_supersedes
                                else v["supersedes"],
                                correction_note=value(
                                    "verdict", vid, "correction_note", v["correction_note"]
                                ),
                                created_at=_dt(v["created_at"]),
                                updated_at=_dt(v["updated_at"]),
                            )
                        )
                        cited += [
                            Verdict.sources.through(verdict_id=vid, source_id=sid)
                            for sid in v["sources"]
                            if (vid, sid) not in found.dropped_citations
                        ]
            Article.objects.bulk_create(articles)
            Assignment.objects.bulk_create(assignments)
            Sentence.objects.bulk_create(sentences)
            # Curated claims first: reviewer-layer claims point at them (curated_claim).
            Claim.objects.bulk_create(sorted(claims, key=lambda c: c.layer != "curated"))
            LayerCompletion.objects.bulk_create(completions)
            Source.objects.bulk_create(sources)
            # Corrections point at earlier verdicts: insert in id order so they exist first.
            Verdict.objects.bulk_create(sorted(verdicts, key=lambda v: v.id))
            Verdict.sources.through.objects.bulk_create(cited)
            counts["articles"] += len(articles)
            counts["claims"] += len(claims)
            counts["sources"] += len(sources)
            counts["verdicts"] += len(verdicts)
            progress.advance(len(batch))
            batch.clear()

        # Second read: the survey checked every record; the digest proves it is the same file.
        digest = hashlib.sha256()
        for _, record in read(file, digest):
            if "claims" in record:
                batch.append(record)
                if len(batch) >= BATCH:
                    flush()
        flush()
        progress.finish()
        if digest.hexdigest() != found.digest:
            raise CorpusError(f"{file} changed while it was being imported.")
        _restore_matches(links)
        services.record_event(
            project_id=project.pk,
            actor=None,
            action="import_corpus",
            target=project,
            changes={
                "file": file.name,
                **counts,
                "sanitised": dict(found.sanitised),
                "dropped_references": found.dropped[:1000],
            },
        )
        return counts

    def _reset_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the imported ids (SQLite needs nothing)."""
        statements = connection.ops.sequence_reset_sql(
            no_style(),
            [Article, Sentence, Claim, Source, Verdict, User, Membership, LayerCompletion],
        )
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- Claim matching (issue 12) ------------------------------------------------------------


def _restore_matches(links: list[tuple[int, int]]) -> None:
    """Recreate the confirmed "same claim" links of the file (`matches` in each claim).

    Runs after every claim is in, so a link may point at any claim of the file, or at a claim
    of another project already in the database; links to claims that are in neither are left
    out. Who confirmed a link and when is not exported, so it comes back undated by nobody
    (the event history, which has it, is not part of the file).
    """
    from django.utils import timezone

    from annotations.models import ClaimMatch

    if not links:
        return
    existing = set(
        Claim.objects.filter(pk__in={matched for _, matched in links}).values_list("pk", flat=True)
    )
    now = timezone.now()
    ClaimMatch.objects.bulk_create(
        ClaimMatch(claim_id=claim, matched_id=matched, decision="same", decided_at=now)
        for claim, matched in links
        if matched in existing
    )
