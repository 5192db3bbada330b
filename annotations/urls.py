"""HTML routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import auth, views
from .views import stats as stats_views
from .views import team as team_views

urlpatterns = [
    path("login/", auth.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("projects/new/", team_views.project_create, name="project_create"),  # before the slug
    path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
    path("projects/<slug:slug>/articles/new/", views.article_add, name="article_add"),
    path("articles/<int:pk>/", views.article_annotate, name="article_annotate"),
    path(
        "articles/<int:pk>/sentences/<int:index>/claim/",
        views.sentence_claim,
        name="sentence_claim",
    ),
    path("claims/<int:pk>/edit/", views.claim_update, name="claim_update"),
    path("claims/<int:pk>/sources/", views.source_add, name="source_add"),
    path("claims/<int:pk>/verdict/", views.verdict_save, name="verdict_save"),
    path("ratings/<int:pk>.css", views.rating_styles, name="rating_styles"),
    # Editorial workflow (views/editorial.py) and the account page (views/account.py).
    path("projects/<slug:slug>/queue/", views.review_queue, name="review_queue"),
    path("verdicts/<int:pk>/", views.verdict_detail, name="verdict_detail"),
    path("verdicts/<int:pk>/approve/", views.verdict_approve, name="verdict_approve"),
    path("verdicts/<int:pk>/return/", views.verdict_return, name="verdict_return"),
    path("verdicts/<int:pk>/submit/", views.verdict_submit, name="verdict_submit"),
    path("verdicts/<int:pk>/withdraw/", views.verdict_withdraw, name="verdict_withdraw"),
    path("verdicts/<int:pk>/correct/", views.verdict_correct, name="verdict_correct"),
    path("claims/<int:pk>/history/", views.claim_history, name="claim_history"),
    # Agreement and statistics (views/stats.py).
    path(
        "projects/<slug:slug>/agreement/",
        stats_views.project_agreement,
        name="project_agreement",
    ),
    path("projects/<slug:slug>/stats/", stats_views.project_statistics, name="project_statistics"),
    # Team pages (views/team.py).
    path("projects/<slug:slug>/export/", team_views.project_export, name="project_export"),
    path(
        "projects/<slug:slug>/export/jobs/",
        team_views.project_export_job,
        name="project_export_job",
    ),
    path("projects/<slug:slug>/settings/", team_views.project_settings, name="project_settings"),
    path(
        "projects/<slug:slug>/settings/scale/",
        team_views.scale_version,
        name="project_scale_version",
    ),
    path("projects/<slug:slug>/queue/bulk/", team_views.queue_bulk, name="review_queue_bulk"),
    path("projects/<slug:slug>/assign/", team_views.project_assign, name="project_assign"),
    path("assignments/next/", team_views.next_assignment, name="next_assignment"),
    path(
        "projects/<slug:slug>/invitations/",
        team_views.project_invitations,
        name="project_invitations",
    ),
    path(
        "projects/<slug:slug>/invitations/<int:pk>/revoke/",
        team_views.invitation_revoke,
        name="project_invitation_revoke",
    ),
    path("invite/<str:key>/", team_views.invitation_accept, name="invitation_accept"),
    path("projects/<slug:slug>/claims/", team_views.claim_browser, name="claim_browser"),
    path("projects/<slug:slug>/history/", team_views.project_history, name="project_history"),
    path("projects/<slug:slug>/members/", team_views.project_members, name="project_members"),
    path(
        "projects/<slug:slug>/members/<int:user_id>/role/",
        team_views.member_role,
        name="project_member_role",
    ),
    path(
        "projects/<slug:slug>/members/<int:user_id>/remove/",
        team_views.member_remove,
        name="project_member_remove",
    ),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_create, name="account_token_create"),
    path("account/tokens/new/", views.token_created, name="account_token_created"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
