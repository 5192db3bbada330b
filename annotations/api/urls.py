"""JSON API routes (v1), the export endpoint (its view lives with the export formats) included."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ..exports.views import ProjectExportApi
from . import checkworthiness_views, job_views, stats_views, views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        # The split view serves its init script as a file; our template drops the inline
        # <style>: the Content Security Policy allows neither inline scripts nor styles.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
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
    path("projects/<slug:slug>/export/", ProjectExportApi.as_view(), name="project-export"),
    path(
        "projects/<slug:slug>/exports/",
        job_views.ProjectExportJobsApi.as_view(),
        name="api-project-exports",
    ),
    path("jobs/<int:pk>/", job_views.JobDetailApi.as_view(), name="api-job"),
    path("jobs/<int:pk>/download/", job_views.JobDownloadApi.as_view(), name="api-job-download"),
    path("projects/<slug:slug>/queue/", views.ProjectQueueApi.as_view(), name="api-project-queue"),
    path(
        "projects/<slug:slug>/agreement/",
        stats_views.ProjectAgreementApi.as_view(),
        name="api-project-agreement",
    ),
    path(
        "projects/<slug:slug>/stats/",
        stats_views.ProjectStatsApi.as_view(),
        name="api-project-stats",
    ),
    path("articles/<int:pk>/", views.ArticleDetailApi.as_view(), name="api-article"),
    path("articles/<int:pk>/claims/", views.ArticleClaimsApi.as_view(), name="api-article-claims"),
    path(
        "articles/<int:pk>/sentences/<int:index>/dismissal/",
        checkworthiness_views.SentenceDismissalApi.as_view(),
        name="api-sentence-dismissal",
    ),
    path(
        "projects/<slug:slug>/checkworthiness/train/",
        checkworthiness_views.CheckworthinessTrainApi.as_view(),
        name="api-checkworthiness-train",
    ),
    path("claims/<int:pk>/", views.ClaimDetailApi.as_view(), name="api-claim"),
    path("claims/<int:pk>/sources/", views.ClaimSourcesApi.as_view(), name="api-claim-sources"),
    path("sources/<int:pk>/", views.SourceDetailApi.as_view(), name="api-source"),
    path("claims/<int:pk>/verdicts/", views.ClaimVerdictsApi.as_view(), name="api-claim-verdicts"),
    path("claims/<int:pk>/history/", views.ClaimHistoryApi.as_view(), name="api-claim-history"),
    path("verdicts/<int:pk>/", views.VerdictDetailApi.as_view(), name="api-verdict"),
    *[
        path(
            f"verdicts/<int:pk>/{action}/",
            views.VerdictTransitionApi.as_view(action=action),
            name=f"api-verdict-{action}",
        )
        for action in ("submit", "approve", "return", "withdraw")
    ],
    path(
        "verdicts/<int:pk>/correct/", views.VerdictCorrectApi.as_view(), name="api-verdict-correct"
    ),
]
