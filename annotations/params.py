"""Numbers, ids and timestamps that arrive in URLs and query strings, validated in one place.

An id is a positive integer that fits a BigAutoField (`MAX_ID`): anything else ("abc", "1e30",
"-2.41e+43", 20 digits) would reach the database, where SQLite raises OverflowError and
PostgreSQL a driver error, both a 500. Here:

- `IdField` is the form field for an id (used by the API's filter sets and `parse_id`);
- `parse_id` reads one optional id from a query dict and raises a 400 naming the parameter;
- `id_or_none` is the pages' lenient reading: an id, or None for anything else ("²", "1e3");
- `TimestampField` (the API's `updated_since` filters) and `in_utc` (the export's) refuse
  times that exist only in their own offset: `9999-12-31T23:59:59-23:59` is past the last
  datetime Python has in UTC, and converting it for the query raised OverflowError (a 500);
- `IdConverter` is the URL converter `<id:pk>` (registered in `apps.py`): routes with an
  out-of-range id do not match (404).

NUL characters in query strings are refused for every route by `middleware.QueryStringMiddleware`.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField can hold


class IdField(forms.IntegerField):
    """A positive integer id that fits the database's 64-bit primary keys."""

    default_error_messages = {
        "invalid": "Enter an id: a whole number such as 42.",
        "min_value": "Ids are positive whole numbers (1 or more).",
        "max_value": f"No id is larger than {MAX_ID}.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value):
        # IntegerField accepts "1e3" and "42.0" through float(); an id is digits only, and
        # float() on a 400-digit string is work we need not do.
        if isinstance(value, str):
            value = value.strip()
            if value and not (value.isascii() and value.lstrip("-").isdigit()):
                raise DjangoValidationError(self.error_messages["invalid"], code="invalid")
            if len(value) > 20:
                raise DjangoValidationError(self.error_messages["max_value"], code="max_value")
        return super().to_python(value)


OUT_OF_RANGE = "is outside the range of dates this server can compare (years 1 to 9999 in UTC)"


def in_utc(value: dt.datetime) -> dt.datetime:
    """Return the aware `value` in UTC; ValueError if that falls outside years 1-9999."""
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(OUT_OF_RANGE) from None


class TimestampField(IsoDateTimeField):
    """An ISO 8601 timestamp that exists in UTC too (the database compares in UTC)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return in_utc(parsed)
        except ValueError:
            raise DjangoValidationError(f"{value} {OUT_OF_RANGE}.", code="invalid") from None


def parse_id(params, name: str) -> int | None:
    """Return the id in `params[name]`, None when absent or empty; 400 naming `name` if bad."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return IdField(required=False).clean(raw)
    except DjangoValidationError as exc:
        raise ValidationError({name: exc.messages}) from None


def id_or_none(raw: str | None) -> int | None:
    """Return `raw` as an id, or None if it is absent or not one (pages ignore bad values)."""
    try:
        return IdField(required=False).clean(raw)
    except DjangoValidationError:
        return None


class IdConverter:
    """`<id:pk>`: like `<int:pk>`, but a number beyond 64 bits does not match the route (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)  # 0 matches (a sentence index may be 0); no row has id 0
        if number > MAX_ID:
            raise ValueError(f"{value} is not a valid id")
        return number

    def to_url(self, value) -> str:
        return str(int(value))
