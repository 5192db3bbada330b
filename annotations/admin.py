"""Django admin: a staff view of every model that stays inside the workflow's rules.

The corpus (articles, sentences, claims, sources, verdicts) and the history (events) are
read-only here: their content changes only through the services, which check the workflow,
freeze what an approved verdict covers and write events. Nothing annotated is deleted. Project
settings and memberships may be changed, through `services.update_project`, `add_member` and
`remove_member`, so every change is an event. A rating scale that a verdict uses is never
edited in place (make a new version).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import services
from .models import (
    Article,
    ArticleVersion,
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


class ReadOnlyAdminMixin:
    """View only: no add, change or delete (the services are the way in)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # a project's corpus is never deleted through a cascade

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            services.record_event(
                project_id=obj.pk, actor=request.user, action="create", target=obj
            )
            return
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.projects.PROJECT_SETTINGS
        }
        # Refresh from the database first: the service compares against the stored values.
        stored = Project.objects.get(pk=obj.pk)
        services.update_project(project=stored, actor=request.user, **fields)
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        project = form.instance
        for inline in formset.forms:
            if not hasattr(inline, "cleaned_data") or not inline.cleaned_data:
                continue
            data = inline.cleaned_data
            if data.get("DELETE") and inline.instance.pk:
                services.remove_member(
                    project=project, user=inline.instance.user, actor=request.user
                )
            elif inline.has_changed() and data.get("user") and data.get("role"):
                services.add_member(
                    project=project, user=data["user"], role=data["role"], actor=request.user
                )
        # The admin's change message reads these; the events are the real record.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None


class RatingLabelInline(admin.TabularInline):
    model = RatingLabel
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.in_use()

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.in_use()

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use()


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "version", "created_at"]
    inlines = [RatingLabelInline]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.in_use()

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use()


class SentenceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Sentence
    extra = 0
    fields = readonly_fields = ["index", "start", "end", "score", "reasons"]


class ArticleVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ArticleVersion
    extra = 0
    fields = readonly_fields = ["number", "title", "text_sha256", "source_url", "replaced_at"]


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    inlines = [ArticleVersionInline]
    list_display = ["title", "project", "version", "publisher", "published_at", "created_at"]
    list_filter = ["project", "language"]
    search_fields = ["title", "publisher", "url"]
    list_select_related = ["project"]


class SourceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Source
    extra = 0


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "article", "claimant", "created_by", "created_at"]
    search_fields = ["quote", "statement", "claimant"]
    list_select_related = ["article", "created_by"]
    inlines = [SourceInline]


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["claim", "rating", "reviewer", "status", "version", "approved_by"]
    list_filter = ["status", "rating"]
    list_select_related = ["claim", "rating", "reviewer", "approved_by"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_id", "from_status", "to_status"]
    list_filter = ["action", "target_type", "project"]
    list_select_related = ["actor"]
