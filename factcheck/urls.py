"""Root URLconf: the HTML app, the JSON API under /api/v1/, and the admin."""

from django.contrib import admin
from django.urls import include, path

from annotations.exports.views import ProjectExportApi

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/projects/<slug:slug>/export/", ProjectExportApi.as_view(), name="project-export"),
    path("api/v1/", include("annotations.api.urls")),
    path("", include("annotations.urls")),
]
