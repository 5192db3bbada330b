"""Root URLconf: the HTML app, the JSON API under /api/v1/, and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("annotations.api.urls")),
    path("", include("annotations.urls")),
]

handler404 = "annotations.views.errors.page_not_found"
