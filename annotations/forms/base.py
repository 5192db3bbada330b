"""The base of every HTML form: accessible widgets and a place for the services' errors."""

from __future__ import annotations

from django import forms

from ..exceptions import DomainError

HTTP_PATTERN = r"https?://\S+"
HTTP_TITLE = "An http:// or https:// address"


class AccessibleForm(forms.Form):
    """Point every widget at its error and help text (`aria-describedby`) for screen readers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            auto_id = self[name].auto_id
            described = [f"{auto_id}-error"]
            if field.help_text:
                described.append(f"{auto_id}-help")
            field.widget.attrs.setdefault("aria-describedby", " ".join(described))

    def add_domain_error(self, exc: DomainError) -> None:
        """Show a service's error beside the field it names, or above the form."""
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"


def url_input(**attrs) -> forms.URLInput:
    return forms.URLInput(
        attrs={"pattern": HTTP_PATTERN, "title": HTTP_TITLE, "inputmode": "url", **attrs}
    )
