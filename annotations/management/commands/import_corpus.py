"""`manage.py import_corpus FILE`: load our own jsonl export (made with `--status all`) into a
database that does not hold the project yet — the documented backup and migration path.

This is the one place that creates rows in historical states directly (approved verdicts with
their approvers, superseded ones, original ids and timestamps) instead of replaying the
workflow through `services.py`. It does so inside one transaction with every database
constraint still checked, so a file that contradicts them loads nothing. Exporting the loaded
project again (same format, status and base URL) gives a byte-identical file.

What comes back: the project, its rating scale if the database lacks it (re-created from the
labels the verdicts use), one user and membership per pseudonym (role editor when they approved
something, else reviewer; no usable password), articles with their sentences (re-split), claims,
sources, verdicts with status, approval, corrections and cited sources. What does not: the
Markdown source of explanations (exports carry the rendering; `explanation` is set to its
text), event history, real usernames and roles.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils.dateparse import parse_date, parse_datetime

from annotations import text
from annotations.models import (
    Article,
    Claim,
    Membership,
    Project,
    RatingLabel,
    RatingScale,
    Sentence,
    Source,
    User,
    Verdict,
)
from annotations.services import record_event
from annotations.workflow import Role

BATCH = 100  # articles per bulk insert


def _records(path: Path) -> Iterator[dict]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise CommandError(f"{path}:{number} is not JSON: {exc}") from None


def _dt(value):
    return parse_datetime(value) if value else None


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


class Command(BaseCommand):
    help = "Load a jsonl export (status=all) of a project into a database without that project."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **opts):
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        first = next(_records(file), None)
        if first is None:
            raise CommandError(f"{file} holds no records.")
        info = first.get("project")
        if not isinstance(info, dict) or "slug" not in info or "claims" not in first:
            raise CommandError(f"{file} is not a factcheck jsonl export (no project/claims).")
        if Project.objects.filter(slug=info["slug"]).exists():
            raise CommandError(
                f"This database already has a project {info['slug']!r}; import_corpus loads "
                "into a database without it (restore into an empty database)."
            )
        people, approvers, labels = self._survey(file)
        try:
            with transaction.atomic(), _keep_timestamps(Article, Claim, Source, Verdict):
                counts = self._load(file, info, people, approvers, labels)
                self._reset_sequences()
        except IntegrityError as exc:
            raise CommandError(
                f"The file conflicts with rows already in the database or with a constraint "
                f"({exc}); nothing was imported. Load it into an empty database."
            ) from None
        self.stderr.write(
            "Imported project {slug}: {articles} articles, {claims} claims, {sources} sources, "
            "{verdicts} verdicts.".format(slug=info["slug"], **counts)
        )

    def _survey(self, file: Path):
        """First pass: the people and rating labels the file mentions."""
        people: set[str] = set()
        approvers: set[str] = set()
        labels: dict[tuple[str, int, str], dict] = {}
        for record in _records(file):
            people.add(record.get("created_by"))
            for claim in record["claims"]:
                people.add(claim["created_by"])
                people.update(s["added_by"] for s in claim["sources"])
                for verdict in claim["verdicts"]:
                    people.update((verdict["reviewer"], verdict["approved_by"]))
                    if verdict["approved_by"]:
                        approvers.add(verdict["approved_by"])
                    rating = verdict["rating"]
                    key = (rating["scale"]["slug"], rating["scale"]["version"], rating["slug"])
                    labels.setdefault(key, rating)
        people.discard(None)
        return people, approvers, labels

    def _scale(self, slug: str, version: int, name: str, labels: dict) -> RatingScale:
        scale = RatingScale.objects.filter(slug=slug, version=version).first()
        if scale is None:
            scale = RatingScale.objects.create(slug=slug, version=version, name=name or slug)
        existing = set(scale.labels.values_list("slug", flat=True))
        mine = [r for (s, v, _), r in labels.items() if (s, v) == (slug, version)]
        mine.sort(key=lambda r: (r["ordinal"] is None, -(r["ordinal"] or 0), r["slug"]))
        for position, rating in enumerate(mine):
            if rating["slug"] in existing:
                continue
            RatingLabel.objects.create(
                scale=scale,
                slug=rating["slug"],
                name=rating["name"],
                position=position,
                ordinal=rating["ordinal"],
                truth_score=rating["truth_score"],
                fever=rating["fever"] or "",
                averitec=rating["averitec"] or "",
                claimreview_rating=rating["claimreview_rating"],
            )
        return scale

    def _load(self, file: Path, info: dict, people, approvers, labels) -> dict[str, int]:
        home = (info["rating_scale"]["slug"], info["rating_scale"]["version"])
        wanted = {(s, v) for s, v, _ in labels} | {home}
        scales = {
            key: self._scale(*key, info["rating_scale"]["name"] if key == home else "", labels)
            for key in sorted(wanted)
        }
        label_ids = {
            (scale.slug, scale.version, label.slug): label.pk
            for scale in scales.values()
            for label in scale.labels.all()
        }
        project_scale = scales[home]
        project = Project.objects.create(
            slug=info["slug"],
            name=info["name"],
            description=info.get("description", ""),
            organisation_name=info.get("organisation_name", ""),
            organisation_url=info.get("organisation_url", ""),
            methodology_url=info.get("methodology_url", ""),
            corrections_policy_url=info.get("corrections_policy_url", ""),
            required_verdicts=info.get("required_verdicts", 1),
            rating_scale=project_scale,
        )
        users = {}
        for name in sorted(people):
            user, created = User.objects.get_or_create(username=name)
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            users[name] = user
            Membership.objects.create(
                project=project,
                user=user,
                role=Role.EDITOR if name in approvers else Role.REVIEWER,
                pseudonym=name,
            )

        def uid(name):
            return users[name].pk if name else None

        counts = dict.fromkeys(("articles", "claims", "sources", "verdicts"), 0)
        batch: list[dict] = []
        links: list[tuple[int, int]] = []  # claim matching: (claim, matched) to restore last

        def flush():
            articles, sentences, claims, sources, verdicts, cited = [], [], [], [], [], []
            for record in batch:
                articles.append(
                    Article(
                        id=record["id"],
                        project=project,
                        title=record["title"],
                        url=record["url"],
                        publisher=record["publisher"],
                        author=record["author"],
                        published_at=_dt(record["published_at"]),
                        language=record["language"],
                        text=record["text"],
                        text_sha256=record["text_sha256"],
                        created_by_id=uid(record["created_by"]),
                        created_at=_dt(record["created_at"]),
                        updated_at=_dt(record["updated_at"]),
                    )
                )
                sentences += [
                    Sentence(
                        article_id=record["id"],
                        index=span.index,
                        start=span.start,
                        end=span.end,
                        score=span.score,
                        reasons=list(span.reasons),
                    )
                    for span in text.split_sentences(record["text"])
                ]
                for c in record["claims"]:
                    claims.append(
                        Claim(
                            id=c["id"],
                            article_id=record["id"],
                            start=c["start"],
                            end=c["end"],
                            quote=c["quote"],
                            prefix=c["prefix"],
                            suffix=c["suffix"],
                            statement=c["statement"],
                            claimant=c["claimant"],
                            claim_date=_date(c["claim_date"]),
                            created_by_id=uid(c["created_by"]),
                            created_at=_dt(c["created_at"]),
                            updated_at=_dt(c["updated_at"]),
                        )
                    )
                    if record["text"][c["start"] : c["end"]] != c["quote"]:
                        raise CommandError(
                            f"Claim {c['id']}: the quote does not match the article text at "
                            f"[{c['start']}, {c['end']})."
                        )
                    links.extend((c["id"], matched) for matched in c.get("matches", []))
                    for s in c["sources"]:
                        sources.append(
                            Source(
                                id=s["id"],
                                claim_id=c["id"],
                                url=s["url"],
                                title=s["title"],
                                publisher=s["publisher"],
                                quote=s["quote"],
                                stance=s["stance"],
                                accessed_at=_date(s["accessed_at"]),
                                archived_url=s["archived_url"],
                                added_by_id=uid(s["added_by"]),
                                created_at=_dt(s["created_at"]),
                                updated_at=_dt(s["updated_at"]),
                            )
                        )
                    for v in c["verdicts"]:
                        r = v["rating"]
                        verdicts.append(
                            Verdict(
                                id=v["id"],
                                claim_id=c["id"],
                                reviewer_id=uid(v["reviewer"]),
                                rating_id=label_ids[
                                    (r["scale"]["slug"], r["scale"]["version"], r["slug"])
                                ],
                                explanation=v["explanation_text"],
                                explanation_html=v["explanation_html"],
                                no_source_reason=v["no_source_reason"],
                                status=v["status"],
                                version=v["version"],
                                submitted_at=_dt(v["submitted_at"]),
                                approved_by_id=uid(v["approved_by"]),
                                approved_at=_dt(v["approved_at"]),
                                review_note=v["review_note"],
                                supersedes_id=v["supersedes"],
                                correction_note=v["correction_note"],
                                created_at=_dt(v["created_at"]),
                                updated_at=_dt(v["updated_at"]),
                            )
                        )
                        cited += [
                            Verdict.sources.through(verdict_id=v["id"], source_id=source_id)
                            for source_id in v["sources"]
                        ]
            Article.objects.bulk_create(articles)
            Sentence.objects.bulk_create(sentences)
            Claim.objects.bulk_create(claims)
            Source.objects.bulk_create(sources)
            # Corrections point at earlier verdicts: insert in id order so they exist first.
            Verdict.objects.bulk_create(sorted(verdicts, key=lambda v: v.id))
            Verdict.sources.through.objects.bulk_create(cited)
            counts["articles"] += len(articles)
            counts["claims"] += len(claims)
            counts["sources"] += len(sources)
            counts["verdicts"] += len(verdicts)
            batch.clear()

        for record in _records(file):
            if record.get("project", {}).get("slug") != info["slug"]:
                raise CommandError("The file mixes projects; export one project per file.")
            batch.append(record)
            if len(batch) >= BATCH:
                flush()
        flush()
        _restore_matches(links)
        record_event(
            project_id=project.pk,
            actor=None,
            action="import_corpus",
            target=project,
            changes={"file": file.name, **counts},
        )
        return counts

    def _reset_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the imported ids (SQLite needs nothing)."""
        statements = connection.ops.sequence_reset_sql(
            no_style(), [Article, Sentence, Claim, Source, Verdict, User, Membership]
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
