"""Shapes of the JSON API: output serializers render models, input serializers check types and
sizes. Serializers never write; views pass validated data to a service."""

from __future__ import annotations

from rest_framework import serializers

from .. import limits
from ..models import (
    Article,
    Claim,
    Event,
    Project,
    RatingLabel,
    RatingScale,
    Sentence,
    Source,
    Verdict,
)
from ..permissions import roles_in

MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField can hold

# --- Output ----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong and how to fix it.")
    field = serializers.CharField(required=False, help_text="The input field at fault.")
    current_version = serializers.IntegerField(
        required=False, help_text="With 412: the verdict's current version."
    )


class RatingLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatingLabel
        fields = [
            "slug", "name", "description", "colour", "ordinal", "truth_score", "fever",
            "averitec", "claimreview_rating",
        ]  # fmt: skip


class RatingScaleSerializer(serializers.ModelSerializer):
    labels = RatingLabelSerializer(many=True, read_only=True)

    class Meta:
        model = RatingScale
        fields = ["slug", "version", "name", "labels"]


class ProjectSerializer(serializers.ModelSerializer):
    rating_scale = RatingScaleSerializer(read_only=True)
    my_roles = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "slug", "name", "description", "organisation_name", "organisation_url",
            "methodology_url", "corrections_policy_url", "required_verdicts", "rating_scale",
            "suggest_threshold", "independent_spans", "my_roles", "created_at",
        ]  # fmt: skip

    def get_my_roles(self, project) -> list[str]:
        return sorted(roles_in(self.context["request"].user, project))


class ArticleSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id", "project", "title", "url", "publisher", "author", "published_at", "language",
            "text_sha256", "version", "source_url", "source_sha256", "fetched_at",
            "created_at", "updated_at",
        ]  # fmt: skip


class ArticleListSerializer(ArticleSerializer):
    """An article in a project's list, with the usernames it is assigned to."""

    assignees = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "assignees"]

    def get_assignees(self, article) -> list[str]:
        return sorted(assignment.user.username for assignment in article.assignments.all())


class SentenceSerializer(serializers.ModelSerializer):
    score = serializers.FloatField(
        read_only=True,
        help_text="Check-worthiness in [0, 1]: the project's trained model once it has one, "
        "else the rules.",
    )
    suggested = serializers.BooleanField(
        read_only=True,
        help_text="Score at or above the project's suggest_threshold, not covered by claims and "
        "not dismissed.",
    )
    dismissed = serializers.BooleanField(read_only=True, help_text='Marked "Not a claim".')
    reasons = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text='Readable signals behind the rules\' score, e.g. "a percentage: 80%".',
    )

    class Meta:
        model = Sentence
        fields = ["index", "start", "end", "score", "suggested", "dismissed", "reasons"]


class SentenceDismissalSerializer(serializers.Serializer):
    article = serializers.IntegerField(source="sentence.article_id", read_only=True)
    index = serializers.IntegerField(source="sentence.index", read_only=True)
    dismissed_by = serializers.CharField(source="dismissed_by.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class VerdictSummarySerializer(serializers.ModelSerializer):
    rating = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Verdict
        fields = ["id", "status", "rating", "reviewer", "version"]


class ClaimSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    layer = serializers.CharField(
        read_only=True,
        help_text='"curated" (the shared claims that get verdicts; every claim of a project '
        'without independent spans) or "reviewer" (one reviewer\'s own layer).',
    )
    curation = serializers.CharField(
        read_only=True,
        help_text='Reviewer-layer claims: "" (not curated yet), "accepted", "adjusted", '
        '"merged" or "rejected". Always "" on curated claims.',
    )
    curated_claim = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="Reviewer-layer claims: the curated claim it was accepted or merged into.",
    )
    annotator = serializers.SerializerMethodField(
        help_text="Reviewer-layer claims: whose layer it is (username); null on curated claims."
    )

    class Meta:
        model = Claim
        fields = [
            "id", "article", "start", "end", "quote", "prefix", "suffix", "statement",
            "claimant", "claim_date", "created_by", "created_at", "updated_at", "anchor",
            "text_version", "layer", "curation", "curated_claim", "annotator",
        ]  # fmt: skip
        read_only_fields = ["anchor", "text_version"]

    def get_annotator(self, claim) -> str | None:
        if claim.layer != "reviewer" or claim.created_by is None:
            return None
        return claim.created_by.username


class ClaimWithVerdictsSerializer(ClaimSerializer):
    verdicts = VerdictSummarySerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "verdicts"]


class ArticleDetailSerializer(ArticleSerializer):
    sentences = SentenceSerializer(many=True, read_only=True)
    claims = ClaimWithVerdictsSerializer(many=True, read_only=True)

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text", "sentences", "claims"]


class SourceSerializer(serializers.ModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Source
        fields = [
            "id", "claim", "url", "title", "publisher", "quote", "stance", "accessed_at",
            "archived_url", "added_by", "created_at", "updated_at",
        ]  # fmt: skip


class VerdictSerializer(serializers.ModelSerializer):
    rating = RatingLabelSerializer(read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    sources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Verdict
        fields = [
            "id", "claim", "reviewer", "rating", "explanation", "explanation_html",
            "no_source_reason", "sources", "status", "version", "submitted_at", "approved_by",
            "approved_at", "review_note", "supersedes", "correction_note", "claim_changes",
            "created_at", "updated_at",
        ]  # fmt: skip


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = [
            "id", "at", "actor", "action", "target_type", "target_id", "claim_id",
            "verdict_id", "from_status", "to_status", "note", "changes",
        ]  # fmt: skip


# --- Input -----------------------------------------------------------------------------------


class LayerCompletionSerializer(serializers.Serializer):
    annotator = serializers.CharField(help_text="Whose layer (username).")
    finished_at = serializers.DateTimeField()
    claims = serializers.IntegerField(help_text="Claims in that layer you can see.")


class LayerStateSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    independent_spans = serializers.BooleanField(
        help_text="False: the project shares its claims; there is no personal layer."
    )
    has_layer = serializers.BooleanField(help_text="You annotate here, so you have a layer.")
    finished = serializers.BooleanField(help_text='You marked "I\'ve finished this article".')
    finished_at = serializers.DateTimeField(allow_null=True)
    claims = serializers.IntegerField(help_text="Claims in your layer of the article.")
    curation_started = serializers.BooleanField(
        help_text="An editor started curating: your mark can no longer be taken back."
    )
    can_reopen = serializers.BooleanField()
    finished_layers = LayerCompletionSerializer(
        many=True, help_text="Other reviewers' finished layers you can see."
    )


class ProjectUpdateSerializer(serializers.Serializer):
    """PATCH a project's settings (admins). Only the fields sent change."""

    independent_spans = serializers.BooleanField(
        required=False,
        help_text="Each reviewer marks claims in their own layer, unseen by the others until "
        "they finish the article; an editor curates the layers. Turning it off is refused "
        "(400) while reviewer-layer claims wait for curation.",
    )
    required_verdicts = serializers.IntegerField(required=False, min_value=1, max_value=5)
    suggest_threshold = serializers.FloatField(required=False, min_value=0, max_value=1)


class ProjectCreateSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=limits.SLUG)
    name = serializers.CharField(max_length=limits.NAME)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.DESCRIPTION
    )
    organisation_name = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.NAME
    )
    organisation_url = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.URL
    )
    required_verdicts = serializers.IntegerField(required=False, min_value=1, max_value=5)


class ArticleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=limits.TITLE, required=False, allow_blank=True)
    text = serializers.CharField(required=False, trim_whitespace=False)
    html = serializers.CharField(required=False, trim_whitespace=False)
    fetch_url = serializers.CharField(
        required=False,
        max_length=limits.URL,
        help_text="Fetch this page and import its article in a background job (answer 202).",
    )
    url = serializers.CharField(required=False, allow_blank=True, max_length=limits.URL)
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=limits.NAME)
    author = serializers.CharField(required=False, allow_blank=True, max_length=limits.NAME)
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.CharField(required=False, allow_blank=True, max_length=limits.LANGUAGE)

    def validate(self, attrs):
        given = [k for k in ("text", "html", "fetch_url") if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"text": "Give exactly one of text, html or fetch_url."}
            )
        if "fetch_url" not in attrs and not (attrs.get("title") or "").strip():
            raise serializers.ValidationError({"title": "Give the article a title."})
        return attrs


class ClaimCreateSerializer(serializers.Serializer):
    start = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    end = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    quote = serializers.CharField(
        required=False, trim_whitespace=False, max_length=limits.ANCHOR_QUOTE
    )
    prefix = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=limits.ANCHOR_CONTEXT
    )
    suffix = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=limits.ANCHOR_CONTEXT
    )
    statement = serializers.CharField(required=False, allow_blank=True, max_length=limits.STATEMENT)
    claimant = serializers.CharField(required=False, allow_blank=True, max_length=limits.NAME)
    claim_date = serializers.DateField(required=False, allow_null=True)


class ClaimUpdateSerializer(serializers.Serializer):
    """Statement, claimant, date; or a new span as {start, end} or {quote, prefix?, suffix?}."""

    statement = serializers.CharField(required=False, allow_blank=True, max_length=limits.STATEMENT)
    claimant = serializers.CharField(required=False, allow_blank=True, max_length=limits.NAME)
    claim_date = serializers.DateField(required=False, allow_null=True)
    start = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID)
    end = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID)
    quote = serializers.CharField(
        required=False, trim_whitespace=False, max_length=limits.ANCHOR_QUOTE
    )
    prefix = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=limits.ANCHOR_CONTEXT
    )
    suffix = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=limits.ANCHOR_CONTEXT
    )


class SourceUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, max_length=limits.URL)
    stance = serializers.ChoiceField(required=False, choices=Source.Stance.choices)
    title = serializers.CharField(required=False, allow_blank=True, max_length=limits.TITLE)
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=limits.NAME)
    quote = serializers.CharField(required=False, allow_blank=True, max_length=limits.SOURCE_QUOTE)
    accessed_at = serializers.DateField(required=False, allow_null=True)
    archived_url = serializers.CharField(required=False, allow_blank=True, max_length=limits.URL)


class SourceCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=limits.URL)
    stance = serializers.ChoiceField(choices=Source.Stance.choices)
    title = serializers.CharField(required=False, allow_blank=True, max_length=limits.TITLE)
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=limits.NAME)
    quote = serializers.CharField(required=False, allow_blank=True, max_length=limits.SOURCE_QUOTE)
    accessed_at = serializers.DateField(required=False, allow_null=True)
    archived_url = serializers.CharField(required=False, allow_blank=True, max_length=limits.URL)


class ClaimChangesSerializer(serializers.Serializer):
    """What a correction changes on its claim once approved."""

    statement = serializers.CharField(required=False, allow_blank=True, max_length=limits.STATEMENT)
    claimant = serializers.CharField(required=False, allow_blank=True, max_length=limits.NAME)
    claim_date = serializers.DateField(required=False, allow_null=True)


class VerdictCreateSerializer(serializers.Serializer):
    rating = serializers.SlugField(max_length=limits.SLUG)
    explanation = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    sources = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=limits.CITED_IDS,
    )
    no_source_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.REASON
    )


class VerdictUpdateSerializer(serializers.Serializer):
    rating = serializers.SlugField(max_length=limits.SLUG, required=False)
    explanation = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    sources = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=limits.CITED_IDS,
    )
    no_source_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.REASON
    )
    claim_changes = ClaimChangesSerializer(required=False, help_text="Corrections only.")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE)


class CorrectionSerializer(VerdictCreateSerializer):
    correction_note = serializers.CharField(max_length=limits.NOTE)
    claim_changes = ClaimChangesSerializer(required=False)
