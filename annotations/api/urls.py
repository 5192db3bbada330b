"""JSON API routes (v1), the export endpoint (its view lives with the export formats) included."""

from django.urls import path

from ..exports.views import ProjectExportApi
from . import (
    checkworthiness_views,
    curation_views,
    job_views,
    matching_views,
    stats_views,
    team_views,
    version_views,
    views,
)
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
    path("projects/<slug:slug>/export/", ProjectExportApi.as_view(), name="project-export"),
    path(
        "projects/<slug:slug>/exports/",
        job_views.ProjectExportJobsApi.as_view(),
        name="api-project-exports",
    ),
    path(
        "projects/<slug:slug>/imports/",
        job_views.ProjectImportJobsApi.as_view(),
        name="api-project-imports",
    ),
    path("jobs/<id:pk>/", job_views.JobDetailApi.as_view(), name="api-job"),
    path(
        "articles/<id:pk>/versions/",
        version_views.ArticleVersionsApi.as_view(),
        name="api-article-versions",
    ),
    path(
        "claims/<id:pk>/reattach/",
        version_views.ClaimReattachApi.as_view(),
        name="api-claim-reattach",
    ),
    path("jobs/<id:pk>/download/", job_views.JobDownloadApi.as_view(), name="api-job-download"),
    path(
        "projects/<slug:slug>/members/",
        team_views.ProjectMembersApi.as_view(),
        name="api-project-members",
    ),
    path(
        "projects/<slug:slug>/members/<id:user_id>/",
        team_views.ProjectMemberApi.as_view(),
        name="api-project-member",
    ),
    path(
        "projects/<slug:slug>/invitations/",
        team_views.ProjectInvitationsApi.as_view(),
        name="api-project-invitations",
    ),
    path(
        "projects/<slug:slug>/invitations/<id:pk>/revoke/",
        team_views.InvitationRevokeApi.as_view(),
        name="api-invitation-revoke",
    ),
    path(
        "projects/<slug:slug>/assignments/",
        team_views.ProjectAssignmentsApi.as_view(),
        name="api-project-assignments",
    ),
    path(
        "projects/<slug:slug>/queue/decisions/",
        team_views.ProjectQueueDecisionsApi.as_view(),
        name="api-queue-decisions",
    ),
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
    path(
        "articles/<id:pk>/sentences/<id:index>/dismissal/",
        checkworthiness_views.SentenceDismissalApi.as_view(),
        name="api-sentence-dismissal",
    ),
    path(
        "projects/<slug:slug>/checkworthiness/train/",
        checkworthiness_views.CheckworthinessTrainApi.as_view(),
        name="api-checkworthiness-train",
    ),
    path("articles/<id:pk>/", views.ArticleDetailApi.as_view(), name="api-article"),
    path(
        "articles/<id:pk>/curation/",
        curation_views.ArticleCurationApi.as_view(),
        name="api-article-curation",
    ),
    path(
        "articles/<id:pk>/curation/accept/",
        curation_views.CurationAcceptApi.as_view(),
        name="api-curation-accept",
    ),
    path(
        "articles/<id:pk>/curation/merge/",
        curation_views.CurationMergeApi.as_view(),
        name="api-curation-merge",
    ),
    path(
        "articles/<id:pk>/curation/reject/",
        curation_views.CurationRejectApi.as_view(),
        name="api-curation-reject",
    ),
    path(
        "articles/<id:pk>/curation/reset/",
        curation_views.CurationResetApi.as_view(),
        name="api-curation-reset",
    ),
    path("articles/<id:pk>/claims/", views.ArticleClaimsApi.as_view(), name="api-article-claims"),
    path("articles/<id:pk>/finish/", views.ArticleFinishApi.as_view(), name="api-article-finish"),
    path("claims/<id:pk>/", views.ClaimDetailApi.as_view(), name="api-claim"),
    path("claims/<id:pk>/sources/", views.ClaimSourcesApi.as_view(), name="api-claim-sources"),
    path("sources/<id:pk>/", views.SourceDetailApi.as_view(), name="api-source"),
    path("claims/<id:pk>/verdicts/", views.ClaimVerdictsApi.as_view(), name="api-claim-verdicts"),
    path("claims/<id:pk>/history/", views.ClaimHistoryApi.as_view(), name="api-claim-history"),
    path(
        "projects/<slug:slug>/matches/",
        matching_views.ProjectMatchesApi.as_view(),
        name="api-project-matches",
    ),
    path(
        "claims/<id:pk>/matches/",
        matching_views.ClaimMatchesApi.as_view(),
        name="api-claim-matches",
    ),
    path(
        "claims/<id:pk>/matches/confirm/",
        matching_views.ClaimMatchDecisionApi.as_view(decision="same"),
        name="api-claim-match-confirm",
    ),
    path(
        "claims/<id:pk>/matches/dismiss/",
        matching_views.ClaimMatchDecisionApi.as_view(decision="dismissed"),
        name="api-claim-match-dismiss",
    ),
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
