"""Django admin: a staff view of every model. Events are read-only; verdict statuses can only be
changed through the workflow (services), so the admin shows them but does not edit them."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import (
    Article,
    Claim,
    Event,
    Membership,
    Project,
    RatingLabel,
    RatingScale,
    Sentence,
    Source,
    User,
    Verdict,
)

admin.site.register(User, UserAdmin)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["pseudonym"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation_name", "rating_scale", "required_verdicts"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


class RatingLabelInline(admin.TabularInline):
    model = RatingLabel
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "version", "created_at"]
    inlines = [RatingLabelInline]


class SentenceInline(admin.TabularInline):
    model = Sentence
    extra = 0
    can_delete = False
    readonly_fields = ["index", "start", "end", "score", "reasons"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "publisher", "published_at", "created_at"]
    list_filter = ["project", "language"]
    search_fields = ["title", "publisher", "url"]
    readonly_fields = ["text", "text_sha256", "created_by", "created_at", "updated_at"]
    list_select_related = ["project"]


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    readonly_fields = ["added_by"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "claimant", "created_by", "created_at"]
    search_fields = ["quote", "statement", "claimant"]
    readonly_fields = ["article", "start", "end", "quote", "prefix", "suffix", "created_by"]
    list_select_related = ["article", "created_by"]
    inlines = [SourceInline]


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    list_display = ["claim", "rating", "reviewer", "status", "version", "approved_by"]
    list_filter = ["status", "rating"]
    readonly_fields = [
        "claim", "reviewer", "status", "version", "approved_by", "approved_at", "submitted_at",
        "supersedes", "explanation_html",
    ]  # fmt: skip
    list_select_related = ["claim", "rating", "reviewer", "approved_by"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_id", "from_status", "to_status"]
    list_filter = ["action", "target_type", "project"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
