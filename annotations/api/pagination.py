"""Pagination: cursor pages for the large, growing lists (stable under inserts), page numbers
for the small ones.

A cursor is opaque to clients but comes back from them: DRF answers an undecodable one with 404
and passes a decodable one's position straight into a filter, where "abc", a 20-digit number or
a NUL made the database (or the ORM) fail with a 500. `IdCursorPagination` checks the position
against the ordering field before it is used and answers 400 naming `cursor`.
"""

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

from ..params import MAX_ID, in_utc

BAD_CURSOR = (
    "Invalid cursor: use the next or previous link of a page you were given, unchanged, or "
    "leave cursor out for the first page."
)


class IdCursorPagination(CursorPagination):
    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    invalid_cursor_message = BAD_CURSOR

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        """Raise a 400 unless `position` is a value of the ordering field."""
        name = self.ordering[0].lstrip("-")
        meta = self._model._meta
        try:
            field = meta.pk if name == "pk" else meta.get_field(name)
            if "\x00" in position or len(position) > 64:
                raise DjangoValidationError("bad position")
            value = field.to_python(position)
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                in_utc(value)  # ValueError past year 9999 in UTC, which the query would need
        except (DjangoValidationError, FieldDoesNotExist, ValueError, TypeError):
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
        if isinstance(field, models.IntegerField | models.AutoField) and not (
            -MAX_ID - 1 <= value <= MAX_ID
        ):
            raise ValidationError({"cursor": [BAD_CURSOR]})


class SmallPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
