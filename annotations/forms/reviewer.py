"""Forms of the reviewer pages: articles, claims, sources, verdicts."""

from __future__ import annotations

from django import forms

from .. import limits
from ..importers import SUPPORTED
from ..models import Source
from .base import AccessibleForm, url_input

UPLOAD_SUFFIXES = tuple(s for s in SUPPORTED if s != ".jsonl")

# --- Project page -----------------------------------------------------------------------------


class ArticleSearchForm(AccessibleForm):
    """Search, filter and sort a project's articles (GET)."""

    SORTS = {
        "new": ("Newest first", ["-created_at", "-pk"]),
        "old": ("Oldest first", ["created_at", "pk"]),
        "title": ("Title A–Z", ["title", "pk"]),
        "claims": ("Most claims", ["-n_claims", "-pk"]),
        "open": ("Most claims without a verdict", ["-n_open", "-pk"]),
    }

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=limits.NAME,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, publisher or text"}),
    )
    open = forms.BooleanField(label="Has claims without a verdict", required=False)
    mine = forms.BooleanField(label="Touched by me", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
    )

    def ordering(self) -> list[str]:
        key = (self.cleaned_data.get("sort") if self.is_valid() else None) or "new"
        return self.SORTS[key][1]


class ArticleForm(AccessibleForm):
    """Add an article by pasting text or HTML, or by uploading one .txt/.md/.html file."""

    KINDS = [("text", "Plain text"), ("html", "HTML")]

    title = forms.CharField(
        max_length=limits.TITLE,
        required=False,
        help_text="Leave it empty to use the first line of the text (or the file's title).",
    )
    url = forms.CharField(label="URL", max_length=limits.URL, required=False, widget=url_input())
    publisher = forms.CharField(max_length=limits.NAME, required=False)
    author = forms.CharField(max_length=limits.NAME, required=False)
    published_at = forms.DateTimeField(
        label="Published",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    language = forms.CharField(
        max_length=limits.LANGUAGE, required=False, help_text="A language code such as en or de."
    )
    kind = forms.ChoiceField(
        label="The pasted text is", choices=KINDS, initial="text", widget=forms.RadioSelect
    )
    text = forms.CharField(
        label="Article text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Paste the article, or upload a file below.",
    )
    upload = forms.FileField(
        label="…or upload a file",
        required=False,
        help_text=f"One UTF-8 file: {', '.join(UPLOAD_SUFFIXES)}. The first line or heading is the title.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )

    fetch_url = forms.CharField(
        label="…or fetch it from a URL",
        max_length=limits.URL,
        required=False,
        widget=url_input(),
        help_text="The page's main text, title, author, date and publisher are taken from it "
        "in the background; the page itself is kept as provenance.",
    )
    page = forms.FileField(
        label="…or upload a saved web page",
        required=False,
        help_text="An .html file saved from a browser; its article is extracted like a fetched "
        "page's.",
        widget=forms.ClearableFileInput(attrs={"accept": ".html,.htm"}),
    )

    def clean(self):
        data = super().clean()
        pasted = (data.get("text") or "").strip()
        upload = data.get("upload")
        fetch_url = (data.get("fetch_url") or "").strip()
        page = data.get("page")
        if fetch_url or page:
            if sum(bool(x) for x in (pasted, upload, fetch_url, page)) > 1:
                self.add_error(
                    "fetch_url" if fetch_url else "page",
                    "Give one of: pasted text, a file, a URL to fetch or a saved page.",
                )
            if page and not page.name.lower().endswith((".html", ".htm")):
                self.add_error("page", "Upload the saved page as an .html file.")
            return data
        if pasted and upload:
            self.add_error("upload", "Paste the text or upload a file, not both.")
        elif not pasted and not upload:
            self.add_error("text", "Paste the article's text or upload a file.")
        if upload and not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            self.add_error("upload", f"Upload a {', '.join(UPLOAD_SUFFIXES)} file.")
        return data


# --- Claim panel ------------------------------------------------------------------------------


class ClaimForm(AccessibleForm):
    """A claim's normalised statement and claimant."""

    statement = forms.CharField(
        label="Normalised statement",
        required=False,
        max_length=limits.STATEMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The claim restated as one self-contained sentence.",
    )
    claimant = forms.CharField(label="Claimant", required=False, max_length=limits.NAME)


class SourceForm(AccessibleForm):
    """A piece of evidence for a claim."""

    url = forms.CharField(
        label="URL",
        max_length=limits.URL,
        widget=url_input(required=True),
        error_messages={"required": "Give the source's address (http:// or https://)."},
    )
    title = forms.CharField(required=False, max_length=limits.TITLE)
    publisher = forms.CharField(required=False, max_length=limits.NAME)
    quote = forms.CharField(
        label="Quoted passage",
        required=False,
        max_length=limits.SOURCE_QUOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    stance = forms.ChoiceField(
        choices=Source.Stance.choices,
        initial=Source.Stance.SUPPORTS,
        error_messages={"required": "Say whether the source supports, refutes or gives context."},
    )
    accessed_at = forms.DateField(
        label="Accessed on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    archived_url = forms.CharField(
        label="Archived copy URL", required=False, max_length=limits.URL, widget=url_input()
    )


class VerdictForm(AccessibleForm):
    """A verdict: rating, Markdown explanation, cited sources; saved or submitted."""

    ACTIONS = [("save", "Save draft"), ("submit", "Submit for approval")]

    rating = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from the scale."},
    )
    explanation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, *italic*, [links](https://…), lists. HTML is removed.",
    )
    sources = forms.TypedMultipleChoiceField(
        label="Sources cited",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    no_source_reason = forms.CharField(
        label="No public source? Say why",
        required=False,
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Set by the button pressed ("Save draft" / "Submit for approval"), not rendered as a field.
    action = forms.ChoiceField(choices=ACTIONS, required=False)

    def __init__(self, *args, labels=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = list(labels)
        self.fields["rating"].choices = [(label.slug, label.name) for label in self.labels]
        self.fields["sources"].choices = [(s.pk, s.title or s.url) for s in sources]


class SpanForm(AccessibleForm):
    """A claim's new span: code points from a selection (the page's script fills them in), or
    the exact text to anchor, which works without JavaScript."""

    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    quote = forms.CharField(
        label="New span (exact text)",
        required=False,
        max_length=limits.ANCHOR_QUOTE,
        help_text="Type or paste the exact words the claim should cover, or select them in the "
        "article and press r.",
    )

    def clean(self):
        data = super().clean()
        has_offsets = data.get("start") is not None and data.get("end") is not None
        if not has_offsets and not data.get("quote"):
            raise forms.ValidationError("Give the new span: select text or type its exact words.")
        return data
