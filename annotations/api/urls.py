"""JSON API routes (v1). The export endpoint lives in annotations/exports and is routed in
factcheck/urls.py."""

from django.urls import path

from . import views
from .docs import DocsPage, SchemaApi

urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="api-schema"),
    path(
        "docs/",
        # The split view serves its init script as a file; our template drops the inline
        # <style>: the Content Security Policy allows neither inline scripts nor styles.
        DocsPage.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("projects/", views.ProjectListApi.as_view(), name="api-projects"),
    path("projects/<slug:slug>/", views.ProjectDetailApi.as_view(), name="api-project"),
    path(
        "projects/<slug:slug>/articles/",
        views.ProjectArticlesApi.as_view(),
        name="api-project-articles",
    ),
    path(
        "projects/<slug:slug>/claims/", views.ProjectClaimsApi.as_view(), name="api-project-claims"
    ),
    path(
        "projects/<slug:slug>/sources/",
        views.ProjectSourcesApi.as_view(),
        name="api-project-sources",
    ),
    path(
        "projects/<slug:slug>/verdicts/",
        views.ProjectVerdictsApi.as_view(),
        name="api-project-verdicts",
    ),
    path("projects/<slug:slug>/queue/", views.ProjectQueueApi.as_view(), name="api-project-queue"),
    path("articles/<id:pk>/", views.ArticleDetailApi.as_view(), name="api-article"),
    path("articles/<id:pk>/claims/", views.ArticleClaimsApi.as_view(), name="api-article-claims"),
    path("claims/<id:pk>/", views.ClaimDetailApi.as_view(), name="api-claim"),
    path("claims/<id:pk>/sources/", views.ClaimSourcesApi.as_view(), name="api-claim-sources"),
    path("claims/<id:pk>/verdicts/", views.ClaimVerdictsApi.as_view(), name="api-claim-verdicts"),
    path("claims/<id:pk>/history/", views.ClaimHistoryApi.as_view(), name="api-claim-history"),
    path("verdicts/<id:pk>/", views.VerdictDetailApi.as_view(), name="api-verdict"),
    *[
        path(
            f"verdicts/<id:pk>/{action}/",
            views.VerdictTransitionApi.as_view(action=action),
            name=f"api-verdict-{action}",
        )
        for action in ("submit", "approve", "return", "withdraw")
    ],
    path(
        "verdicts/<id:pk>/correct/", views.VerdictCorrectApi.as_view(), name="api-verdict-correct"
    ),
]
