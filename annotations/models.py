"""The data model (ARCHITECTURE §3): projects and roles, rating scales, articles and their
sentences, claims, sources, verdicts and the append-only event log.

Invariants a database can hold live here as constraints; rules that need the article text or
the workflow live in `services` and `workflow`. No business logic in `save()`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.urls import reverse

from . import limits
from .querysets import (
    ArticleQuerySet,
    ClaimQuerySet,
    EventQuerySet,
    JobQuerySet,
    ProjectQuerySet,
    SourceQuerySet,
    VerdictQuerySet,
)
from .workflow import Role, Status

HTTP_URL = Q(url__startswith="http://") | Q(url__startswith="https://")


class User(AbstractUser):
    """A person who signs in. Roles are per project, through Membership."""

    class Meta:
        db_table = "factcheck_user"


class RatingScale(models.Model):
    """A versioned list of rating labels. Never edited once a verdict uses it: make a new version."""

    slug = models.SlugField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="ratingscale_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="ratingscale_version_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def claimreview_bounds(self) -> tuple[int, int] | None:
        """Return (worst, best) ClaimReview rating numbers, or None if no label is on-axis."""
        numbers = [lb.claimreview_rating for lb in self.labels.all() if lb.ordinal is not None]
        numbers = [n for n in numbers if n is not None]
        return (min(numbers), max(numbers)) if numbers else None

    def in_use(self) -> bool:
        """Return whether a verdict rates with this scale (then it is never edited in place)."""
        return Verdict.objects.filter(rating__scale=self).exists()


class FeverClass(models.TextChoices):
    SUPPORTS = "SUPPORTS"
    REFUTES = "REFUTES"
    NOT_ENOUGH_INFO = "NOT ENOUGH INFO"


class AveritecClass(models.TextChoices):
    SUPPORTED = "Supported"
    REFUTED = "Refuted"
    NOT_ENOUGH_EVIDENCE = "Not Enough Evidence"
    CONFLICTING = "Conflicting Evidence/Cherrypicking"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    CONTEXT = "context", "Context"


class RatingLabel(models.Model):
    """One rating of a scale, with its mappings to research vocabularies."""

    Fever = FeverClass
    Averitec = AveritecClass

    scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="labels")
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#888888", help_text="#rrggbb")
    position = models.PositiveSmallIntegerField(default=0, help_text="Display order.")
    ordinal = models.SmallIntegerField(
        null=True, blank=True, help_text="Position on the truth axis; empty for off-axis labels."
    )
    truth_score = models.FloatField(null=True, blank=True)
    fever = models.CharField(max_length=20, choices=Fever.choices, blank=True)
    averitec = models.CharField(max_length=40, choices=Averitec.choices, blank=True)
    claimreview_rating = models.SmallIntegerField(
        null=True, blank=True, help_text="ClaimReview ratingValue; only for on-axis labels."
    )

    class Meta:
        ordering = ["scale", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "slug"], name="ratinglabel_unique_slug"),
            models.CheckConstraint(
                condition=Q(truth_score__isnull=True) | Q(truth_score__gte=0, truth_score__lte=1),
                name="ratinglabel_truth_score_0_1",
            ),
            models.CheckConstraint(
                condition=Q(ordinal__isnull=False) | Q(claimreview_rating__isnull=True),
                name="ratinglabel_offaxis_has_no_number",
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="ratinglabel_colour_hex"
            ),
            models.CheckConstraint(
                condition=Q(fever__in=["", *FeverClass.values]), name="ratinglabel_fever_valid"
            ),
            models.CheckConstraint(
                condition=Q(averitec__in=["", *AveritecClass.values]),
                name="ratinglabel_averitec_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_on_axis(self) -> bool:
        return self.ordinal is not None


class Project(models.Model):
    """A workspace: its articles, members and rating scale."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=limits.NAME)
    description = models.TextField(blank=True, max_length=limits.DESCRIPTION)
    organisation_name = models.CharField(max_length=limits.NAME, blank=True)
    organisation_url = models.URLField(blank=True)
    methodology_url = models.URLField(blank=True)
    corrections_policy_url = models.URLField(blank=True)
    rating_scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="+")
    required_verdicts = models.PositiveSmallIntegerField(
        default=1,
        help_text="Independent verdicts a claim needs before an editor decides (double review).",
    )
    match_across_projects = models.BooleanField(
        default=False,
        help_text="“Checked before” also searches every other project the reviewer is a member of.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )
    suggest_threshold = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Sentences whose check-worthiness score is at least this are suggested (0-1).",
    )
    independent_spans = models.BooleanField(
        default=False,
        help_text=(
            "Each reviewer marks claims in their own layer, unseen by the others until they "
            "finish; an editor curates the layers into the claims that get verdicts."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(required_verdicts__gte=1, required_verdicts__lte=5),
                name="project_required_verdicts_1_5",
            ),
            models.CheckConstraint(
                condition=Q(suggest_threshold__gte=0, suggest_threshold__lte=1),
                name="project_suggest_threshold_0_1",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("project_detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A user's role in one project, and the pseudonym exports use for them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    pseudonym = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user"),
            models.UniqueConstraint(
                fields=["project", "pseudonym"], name="membership_unique_pseudonym"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} in {self.project}"


class Article(models.Model):
    """A news article as canonical plain text (see `text.canonical_text`). Immutable once claimed."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="articles")
    title = models.CharField(max_length=limits.TITLE)
    url = models.URLField(max_length=limits.URL, blank=True)
    publisher = models.CharField(max_length=limits.NAME, blank=True)
    author = models.CharField(max_length=limits.NAME, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=limits.LANGUAGE, blank=True)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    version = models.PositiveIntegerField(
        default=1, help_text="The text's version; earlier texts are ArticleVersion rows."
    )
    # Provenance of a text taken from a web page (fetched, or an uploaded saved page).
    source_html = models.TextField(blank=True, help_text="The page's HTML as received.")
    source_sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the page's bytes as received."
    )
    source_url = models.URLField(
        max_length=limits.URL, blank=True, help_text="Where the page finally came from."
    )
    fetched_at = models.DateTimeField(null=True, blank=True)
    curation_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an editor first curated the reviewers' layers (independent spans).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "text_sha256"], name="article_unique_text_per_project"
            ),
            models.UniqueConstraint(
                fields=["project", "url"],
                condition=~Q(url=""),
                name="article_unique_url_per_project",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="article_text_not_empty"),
            models.CheckConstraint(condition=Q(url="") | HTTP_URL, name="article_url_http"),
            models.CheckConstraint(condition=Q(version__gte=1), name="article_version_gte_1"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("article_annotate", kwargs={"pk": self.pk})


class ArticleVersion(models.Model):
    """An earlier text of an article, kept when a new version replaced it (never edited)."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=limits.TITLE)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    source_html = models.TextField(blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    source_url = models.URLField(max_length=limits.URL, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="articleversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class Sentence(models.Model):
    """A sentence of an article with its check-worthiness score; derived on import."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sentences")
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    score = models.FloatField(default=0)
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["article", "index"]
        constraints = [
            models.UniqueConstraint(fields=["article", "index"], name="sentence_unique_index"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="sentence_start_lt_end"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="sentence_score"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.index} [{self.start}:{self.end}]"


class Anchor(models.TextChoices):
    """How a claim's span sits in its article's current text."""

    EXACT = "exact", "Exact"
    FUZZY = "fuzzy", "Found approximately after an edit; check it"
    ORPHANED = "orphaned", "Not found in the current text"


class SentenceDismissal(models.Model):
    """A reviewer's "Not a claim" on a suggested sentence: it leaves the suggestion list and
    becomes a negative label for the project's check-worthiness model.

    A shared project keeps one per sentence, for everyone; with independent spans each
    reviewer's own dismissals apply to their own suggestion list only (another reviewer's
    judgement would otherwise show through)."""

    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="dismissals")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sentence", "dismissed_by"], name="sentencedismissal_unique_user"
            ),
        ]

    def __str__(self) -> str:
        return f"not a claim: sentence {self.sentence_id}"


class CheckworthinessModel(models.Model):
    """A project's trained check-worthiness model, stored as data (never pickled).

    `data` is `checkworthiness.LinearModel.as_data()`: vocabularies with their idf, the
    logistic regression's coefficients and intercept. The newest row of a project is the one
    in use; older rows are its training history with their cross-validated scores."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="checkworthiness_models"
    )
    data = models.JSONField()
    labels = models.PositiveIntegerField(help_text="Labelled sentences it was trained on.")
    positives = models.PositiveIntegerField(help_text="Of which check-worthy (claims).")
    precision = models.FloatField()
    recall = models.FloatField()
    f1 = models.FloatField()
    folds = models.PositiveSmallIntegerField()
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.project_id} model {self.pk} (F1 {self.f1:.2f})"


class Layer(models.TextChoices):
    """Whose claims these are. Shared projects have one layer, `curated`. With independent spans
    each reviewer marks claims in their own `reviewer` layer (owner: `created_by`), and an editor
    curates them into the `curated` layer, the claims that get verdicts."""

    CURATED = "curated", "Curated"
    REVIEWER = "reviewer", "Reviewer"


class Curation(models.TextChoices):
    """What curation made of a reviewer-layer claim (blank: not curated yet)."""

    PENDING = "", "Not curated yet"
    ACCEPTED = "accepted", "Accepted as is"
    ADJUSTED = "adjusted", "Accepted with a different span"
    MERGED = "merged", "Merged with overlapping spans"
    REJECTED = "rejected", "Rejected"


class Claim(models.Model):
    """A span of an article's text that makes a checkable claim. Offsets are code points."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    statement = models.TextField(
        blank=True, max_length=limits.STATEMENT, help_text="The claim, normalised as a sentence."
    )
    claimant = models.CharField(max_length=limits.NAME, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    anchor = models.CharField(
        max_length=10,
        choices=Anchor.choices,
        default=Anchor.EXACT,
        help_text="How the span was found in the article's current text.",
    )
    text_version = models.PositiveIntegerField(
        default=1, help_text="The article version the offsets refer to (older when orphaned)."
    )
    layer = models.CharField(max_length=10, choices=Layer.choices, default=Layer.CURATED)
    curation = models.CharField(
        max_length=10, choices=Curation.choices, default=Curation.PENDING, blank=True
    )
    curated_claim = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="curated_from",
        help_text="The curated claim this reviewer-layer claim was accepted or merged into.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claim_start_lt_end"),
            models.CheckConstraint(
                condition=Q(
                    end=models.ExpressionWrapper(
                        F("start") + Length("quote"), output_field=models.IntegerField()
                    )
                ),
                name="claim_quote_length_matches_span",
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end"],
                condition=~Q(anchor="orphaned") & Q(layer="curated"),
                name="claim_unique_span_per_article",
            ),
            models.UniqueConstraint(
                fields=["article", "created_by", "start", "end"],
                condition=~Q(anchor="orphaned") & Q(layer="reviewer"),
                name="claim_unique_span_per_reviewer_layer",
            ),
            models.CheckConstraint(
                condition=Q(anchor__in=["exact", "fuzzy", "orphaned"]), name="claim_anchor_valid"
            ),
            models.CheckConstraint(
                condition=Q(layer__in=["curated", "reviewer"]), name="claim_layer_valid"
            ),
            models.CheckConstraint(
                condition=Q(layer="reviewer") | Q(curation="", curated_claim__isnull=True),
                name="claim_curation_only_in_reviewer_layer",
            ),
            models.CheckConstraint(
                condition=Q(curation__in=["", "accepted", "adjusted", "merged", "rejected"]),
                name="claim_curation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"“{self.quote[:60]}”"

    def get_absolute_url(self) -> str:
        return reverse("article_annotate", kwargs={"pk": self.article_id}) + f"#claim-{self.pk}"


class Source(models.Model):
    """A piece of evidence for or against a claim."""

    Stance = Stance

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="sources")
    url = models.URLField(max_length=limits.URL)
    title = models.CharField(max_length=limits.TITLE, blank=True)
    publisher = models.CharField(max_length=limits.NAME, blank=True)
    quote = models.TextField(
        blank=True,
        max_length=limits.SOURCE_QUOTE,
        help_text="The passage of the source that matters.",
    )
    stance = models.CharField(max_length=10, choices=Stance.choices)
    accessed_at = models.DateField(null=True, blank=True)
    archived_url = models.URLField(max_length=limits.URL, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "pk"]
        constraints = [
            models.CheckConstraint(condition=HTTP_URL, name="source_url_http"),
            models.CheckConstraint(
                condition=Q(archived_url="")
                | Q(archived_url__startswith="http://")
                | Q(archived_url__startswith="https://"),
                name="source_archived_url_http",
            ),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="source_stance_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class Verdict(models.Model):
    """A reviewer's rating of a claim with an explanation; moves through `workflow.TRANSITIONS`.

    `explanation` is the Markdown the reviewer wrote (never rendered raw); `explanation_html` is
    its rendering through `sanitize.render_markdown`, the only form pages and exports show.
    """

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="verdicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verdicts"
    )
    rating = models.ForeignKey(RatingLabel, on_delete=models.PROTECT, related_name="+")
    explanation = models.TextField(blank=True)
    explanation_html = models.TextField(blank=True)
    explanation_text = models.TextField(
        blank=True, help_text="The text of explanation_html, derived once when it is written."
    )
    no_source_reason = models.TextField(
        blank=True,
        max_length=limits.REASON,
        help_text="Why no public source can be cited (instead of citing one).",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="cited_by")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(
        blank=True, max_length=limits.NOTE, help_text="The editor's last note when returning."
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    correction_note = models.TextField(blank=True, max_length=limits.NOTE)
    claim_changes = models.JSONField(
        default=dict,
        blank=True,
        help_text="For a correction: the claim's statement, claimant or date it changes on approval.",
    )
    article_changed = models.BooleanField(
        default=False,
        help_text="The quote this verdict rates changed in a new version of the article.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = VerdictQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status=Status.APPROVED),
                name="verdict_one_approved_per_claim",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="verdict_status_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="verdict_version_gte_1"),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.APPROVED, Status.SUPERSEDED])
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="verdict_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("reviewer")),
                name="verdict_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_note=""),
                name="verdict_correction_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating} by {self.reviewer} ({self.status}, v{self.version})"

    def get_absolute_url(self) -> str:
        return self.claim.get_absolute_url()

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class ClaimMatch(models.Model):
    """A reviewer's decision on a "checked before" suggestion: `claim` is the same claim as the
    earlier `matched` claim, or the suggestion was dismissed (and is not shown again).

    One row per pair, whichever way round it was decided (`services.matching` looks both ways).
    Links go with their claims (CASCADE): they are derived from the two claims, and the Event
    that recorded the decision keeps the history.
    """

    class Decision(models.TextChoices):
        SAME = "same", "Same claim"
        DISMISSED = "dismissed", "Dismissed"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="match_decisions")
    matched = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["claim", "matched"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "matched"], name="claimmatch_unique_pair"),
            models.CheckConstraint(condition=~Q(claim=F("matched")), name="claimmatch_not_itself"),
            models.CheckConstraint(
                condition=Q(decision__in=["same", "dismissed"]), name="claimmatch_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} {self.decision} {self.matched_id}"


class Event(models.Model):
    """One change, appended and never updated or deleted by the app (the audit history)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=20)
    target_id = models.PositiveBigIntegerField()
    # Plain ids, not foreign keys: history outlives a deleted claim and is never rewritten.
    claim_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    verdict_id = models.PositiveBigIntegerField(null=True, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="event_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_type}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The key's first characters, to tell tokens apart."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """A failed sign-in, kept for a while to throttle guessing across all app processes."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at:%Y-%m-%d %H:%M:%S}"


class Job(models.Model):
    """A piece of background work (an export file, a bulk import) with its progress.

    The task that runs it (`tasks.py`) records progress and outcomes here, so the page and the
    API show them and a reload loses nothing. A job is safe to run twice: the task skips what is
    done and redoes the rest.
    """

    class Kind(models.TextChoices):
        EXPORT = "export", "Export file"
        IMPORT = "import", "Import"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker running it."
    )
    done = models.PositiveIntegerField(default=0, help_text="Items processed so far.")
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Items in all, if known.")
    counts = models.JSONField(default=dict, blank=True)
    outcomes = models.JSONField(default=list, blank=True, help_text="Per-item outcomes.")
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    file = models.CharField(max_length=300, blank=True, help_text="Path in the default storage.")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["export", "import"]), name="job_kind"),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "failed"]), name="job_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"


class Assignment(models.Model):
    """An article given to a reviewer to work on. An article may have several assignees."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="assignment_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.user}"


class LayerCompletion(models.Model):
    """A reviewer's "I've finished this article": their layer of claims on it is done.

    With independent spans, another reviewer's layer is visible only once both have finished;
    the mark can be taken back until an editor starts curating the article.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finished_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="layercompletion_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.article} finished by {self.user}"


class Invitation(models.Model):
    """A one-time link that makes whoever opens it a member of a project with a role.

    Only a SHA-256 digest of the link's key is stored; the key is shown once, to the admin who
    made it. Valid until `expires_at`, unless revoked or used first.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=20, choices=Role.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
        ]

    def __str__(self) -> str:
        return f"Invitation #{self.pk} to {self.project} as {self.role}"

    def state(self, now=None) -> str:
        """Return pending, accepted, revoked or expired."""
        from django.utils import timezone

        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "pending"
