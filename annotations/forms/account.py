"""Forms of the account page."""

from __future__ import annotations

from django import forms

from ..models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(max_length=ApiToken._meta.get_field("name").max_length, required=False)
