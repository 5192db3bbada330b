"""Forms of the editorial pages: shape only.

They parse and type what a browser posts; the rules (a note is required to return, a
correction needs a note, which rating slugs exist) are the services' to enforce, so the page
and the API give the same answer.
"""

from __future__ import annotations

from django import forms

from .. import limits
from ..models import Claim, RatingLabel


class QueueFilterForm(forms.Form):
    """The queue page's GET filters; unknown values are ignored rather than refused."""

    article = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    reviewer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    rating = forms.ChoiceField(required=False)

    def __init__(self, data, *, articles, reviewers, labels):
        super().__init__(data)
        self.fields["article"].choices = [("", "All articles")] + [
            (a.pk, a.title) for a in articles
        ]
        self.fields["reviewer"].choices = [("", "All reviewers")] + [
            (u.pk, u.username) for u in reviewers
        ]
        self.fields["rating"].choices = [("", "All ratings")] + [
            (lb.slug, lb.name) for lb in labels
        ]

    def filters(self) -> dict:
        """Return the valid filters as keyword arguments for `selectors.review_queue_for`."""
        self.is_valid()  # an invalid field is left out of cleaned_data, i.e. not filtered on
        data = self.cleaned_data
        return {
            "article_id": data.get("article") or None,
            "reviewer_id": data.get("reviewer") or None,
            "rating": data.get("rating") or None,
        }


class DecisionForm(forms.Form):
    """Approve or return: the version the editor saw, an optional note, where to go next."""

    version = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=limits.NOTE, strip=True)
    next = forms.CharField(required=False, max_length=limits.URL)


class WithdrawForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=limits.NOTE, strip=True)


class SubmitForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class CorrectionForm(forms.Form):
    """A correction of an approved verdict: a new rating, explanation and sources, and a note."""

    rating = forms.ChoiceField()
    explanation = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), strip=False
    )
    sources = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    no_source_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON
    )
    correction_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.NOTE,
        help_text="What the correction changes. Readers see this note.",
    )
    statement = forms.CharField(
        label="Claim statement",
        required=False,
        max_length=limits.STATEMENT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Change it here to correct the claim itself; it changes when an editor approves.",
    )
    claimant = forms.CharField(label="Claimant", required=False, max_length=limits.NAME)

    def __init__(self, data=None, *, claim: Claim, labels, initial=None):
        initial = {"statement": claim.statement, "claimant": claim.claimant, **(initial or {})}
        super().__init__(data, initial=initial)
        self.claim = claim
        self.fields["rating"].choices = [(lb.slug, lb.name) for lb in labels]
        self.fields["sources"].choices = [
            (s.pk, f"{s.get_stance_display()}: {s.title or s.url}") for s in claim.sources.all()
        ]

    def claim_changes(self) -> dict[str, str]:
        """Return the claim fields the reviewer changed (for `services.correct_verdict`)."""
        return {
            name: self.cleaned_data[name]
            for name in ("statement", "claimant")
            if self.cleaned_data[name] != getattr(self.claim, name)
        }


def labels_of(scale_id: int):
    return RatingLabel.objects.filter(scale_id=scale_id).order_by("position", "pk")
