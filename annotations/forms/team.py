"""Forms of the team pages (`views/team.py`, `exports_page.py`, `invitations.py`): the export
choice, project settings, members and rating-scale versions. They check shape only; the
services and `exports.pipeline` decide the rest and their errors are shown beside the field
they name."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .. import limits
from ..exceptions import ValidationFailed
from ..exports.pipeline import FORMATS, ExportOptions, parse_options
from ..models import AveritecClass, FeverClass, Project, RatingLabel, RatingScale, User
from ..workflow import Role
from .base import AccessibleForm, url_input

FORMAT_LABELS = {
    "jsonl": "JSON Lines: one article per line with claims, sources and verdicts",
    "json": "JSON: the same records in one document",
    "csv": "CSV: one row per claim with its current verdict",
    "claimreview": "ClaimReview JSON-LD (schema.org), approved verdicts",
    "wadm": "W3C Web Annotation (JSON-LD)",
    "fever": "FEVER JSON Lines (claims whose label has a FEVER class)",
}


class ExportForm(AccessibleForm):
    """What an export should contain; `options()` gives the pipeline's validated choice."""

    format = forms.ChoiceField(
        choices=[(name, FORMAT_LABELS.get(name, name)) for name in FORMATS],
        initial="jsonl",
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(
        choices=[("approved", "Approved verdicts only"), ("all", "Every verdict (all versions)")],
        initial="approved",
        widget=forms.RadioSelect,
    )
    updated_since = forms.CharField(
        required=False,
        max_length=64,
        label="Changed since",
        help_text="ISO 8601, e.g. 2025-06-01 or 2025-06-01T00:00:00Z. Empty: everything.",
    )
    identities = forms.BooleanField(
        required=False,
        label="Usernames instead of pseudonyms",
        help_text="Project admins only.",
    )

    def __init__(self, *args, may_see_identities: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_see_identities:
            del self.fields["identities"]

    def clean(self):
        data = super().clean()
        try:
            self._options = parse_options(
                format=data.get("format"),
                status=data.get("status"),
                updated_since=data.get("updated_since") or None,
                identities=bool(data.get("identities")),
            )
        except ValidationFailed as exc:
            self.add_domain_error(exc)
        return data

    def options(self) -> ExportOptions:
        """Return the validated options (only after `is_valid()` returned True)."""
        return self._options


# --- Projects ---------------------------------------------------------------------------------


class ProjectSettingsForm(AccessibleForm):
    """A project's settings as a project admin edits them (`services.update_project`)."""

    name = forms.CharField(max_length=limits.NAME)
    description = forms.CharField(
        required=False, max_length=limits.DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3})
    )
    organisation_name = forms.CharField(
        required=False,
        max_length=limits.NAME,
        help_text="Publishes the verdicts (ClaimReview author).",
    )
    organisation_url = forms.CharField(
        required=False, max_length=limits.URL, widget=url_input(), label="Organisation URL"
    )
    methodology_url = forms.CharField(
        required=False, max_length=limits.URL, widget=url_input(), label="Methodology URL"
    )
    corrections_policy_url = forms.CharField(
        required=False, max_length=limits.URL, widget=url_input(), label="Corrections policy URL"
    )
    required_verdicts = forms.IntegerField(
        min_value=1,
        max_value=5,
        label="Independent verdicts per claim",
        help_text="2 or more turns on double review: editors decide once that many are in.",
    )
    rating_scale = forms.ModelChoiceField(
        queryset=RatingScale.objects.order_by("slug", "-version"),
        empty_label=None,
        help_text="Verdicts keep the label they were written with; new verdicts use this scale.",
    )
    suggest_threshold = forms.FloatField(
        min_value=0,
        max_value=1,
        label="Suggestion threshold",
        help_text="Sentences scoring at least this (0 to 1) are suggested as claims; lower "
        "it to see more suggestions, raise it to see fewer.",
    )
    independent_spans = forms.BooleanField(
        required=False,
        label="Independent span annotation",
        help_text="Each reviewer marks claims in their own layer, unseen by the other reviewers "
        "(pages, API, counts, suggestions) until both have pressed “I've finished this "
        "article”; an editor then curates the layers into the shared claims that get verdicts. "
        "Turning it on keeps today's claims as the curated layer. Turning it off is refused "
        "while reviewer-layer claims wait for curation.",
    )

    FIELDS = (
        "name",
        "description",
        "organisation_name",
        "organisation_url",
        "methodology_url",
        "corrections_policy_url",
        "required_verdicts",
        "rating_scale",
        "suggest_threshold",
        "independent_spans",
    )

    @classmethod
    def initial_for(cls, project: Project) -> dict:
        return {name: getattr(project, name) for name in cls.FIELDS}


# /projects/new/ is the form itself.
RESERVED_SLUGS = frozenset({"new"})


class NewProjectForm(AccessibleForm):
    """A new project (`services.create_project`); its creator becomes its admin."""

    name = forms.CharField(max_length=limits.NAME)
    slug = forms.SlugField(
        max_length=limits.SLUG, help_text="Letters, digits and hyphens; part of every address."
    )
    description = forms.CharField(
        required=False, max_length=limits.DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3})
    )
    organisation_name = forms.CharField(required=False, max_length=limits.NAME)
    organisation_url = forms.CharField(
        required=False, max_length=limits.URL, widget=url_input(), label="Organisation URL"
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"{slug!r} is taken by a page address; choose another.")
        return slug


# --- Members ----------------------------------------------------------------------------------


class MemberAddForm(AccessibleForm):
    """Add an existing user, named by username or email address, with a role."""

    who = forms.CharField(max_length=254, label="Username or email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)


class MemberRoleForm(AccessibleForm):
    role = forms.ChoiceField(choices=Role.choices)


# --- Rating-scale versions --------------------------------------------------------------------


class LabelForm(forms.Form):
    """One label of a new scale version (a row of the formset)."""

    slug = forms.SlugField(max_length=limits.SLUG)
    name = forms.CharField(max_length=limits.LABEL_NAME)
    colour = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#888888",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": "Use a colour like #1e7b34."},
    )
    position = forms.IntegerField(min_value=0, max_value=1000, label="Order")
    ordinal = forms.IntegerField(
        required=False, min_value=-100, max_value=100, help_text="Empty: off the truth axis."
    )
    truth_score = forms.FloatField(required=False, min_value=0, max_value=1)
    fever = forms.ChoiceField(choices=[("", "—"), *FeverClass.choices], required=False)
    averitec = forms.ChoiceField(
        choices=[("", "—"), *AveritecClass.choices], required=False, label="AVeriTeC"
    )
    claimreview_rating = forms.IntegerField(
        required=False, min_value=-100, max_value=100, label="ClaimReview rating"
    )
    description = forms.CharField(required=False, max_length=limits.DESCRIPTION)

    @staticmethod
    def initial_for(label: RatingLabel) -> dict:
        return {name: getattr(label, name) for name in LabelForm.base_fields}


LabelFormSet = forms.formset_factory(LabelForm, extra=1, can_delete=True, max_num=50)


class ScaleVersionForm(AccessibleForm):
    name = forms.CharField(max_length=200, label="Name of the new version")


# --- Invitations ------------------------------------------------------------------------------


class InvitationForm(AccessibleForm):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)
    email = forms.EmailField(
        required=False,
        label="Email address (optional)",
        help_text="If this server can send email, the link is mailed there too.",
    )


class JoinForm(UserCreationForm):
    """A new account made through an invitation: a username and a password."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)
