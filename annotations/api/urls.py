"""JSON API routes (v1)."""

urlpatterns: list = []
