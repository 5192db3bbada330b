"""Pagination: cursor pages for the large, growing lists (stable under inserts), page numbers
for the small ones."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class IdCursorPagination(CursorPagination):
    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class SmallPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
