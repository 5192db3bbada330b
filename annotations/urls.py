"""HTML routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import auth, views
from .views import assignments as assignment_views
from .views import checkworthiness as checkworthiness_views
from .views import claim_browser as claim_browser_views
from .views import curation as curation_views
from .views import exports_page as exports_page_views
from .views import invitations as invitation_views
from .views import stats as stats_views
from .views import team as team_views

urlpatterns = [
    path("login/", auth.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("projects/new/", team_views.project_create, name="project_create"),  # before the slug
    path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
    path("projects/<slug:slug>/articles/new/", views.article_add, name="article_add"),
    path("projects/<slug:slug>/imports/new/", views.import_new, name="import_new"),
    path("projects/<slug:slug>/jobs/<id:pk>/", views.job_detail, name="job_detail"),
    path("articles/<id:pk>/", views.article_annotate, name="article_annotate"),
    path(
        "projects/<slug:slug>/articles/<id:pk>/curate/",
        curation_views.article_curate,
        name="article_curate",
    ),
    path("articles/<id:pk>/versions/", views.article_version_new, name="article_version_new"),
    path("claims/<id:pk>/reattach/", views.claim_reattach, name="claim_reattach"),
    path(
        "verdicts/<id:pk>/article-checked/",
        views.verdict_article_checked,
        name="verdict_article_checked",
    ),
    path(
        "articles/<id:pk>/sentences/<id:index>/claim/",
        views.sentence_claim,
        name="sentence_claim",
    ),
    path(
        "articles/<id:pk>/sentences/<id:index>/dismiss/",
        checkworthiness_views.sentence_dismiss,
        name="sentence_dismiss",
    ),
    path(
        "projects/<slug:slug>/checkworthiness/train/",
        checkworthiness_views.checkworthiness_train,
        name="checkworthiness_train",
    ),
    path("articles/<id:pk>/undo/", views.claim_undo, name="claim_undo"),
    path("articles/<id:pk>/finish/", views.article_finish, name="article_finish"),
    path("claims/<id:pk>/edit/", views.claim_update, name="claim_update"),
    path("claims/<id:pk>/delete/", views.claim_delete, name="claim_delete"),
    path("claims/<id:pk>/span/", views.claim_span, name="claim_span"),
    path("sources/<id:pk>/edit/", views.source_update, name="source_update"),
    path("sources/<id:pk>/remove/", views.source_remove, name="source_remove"),
    path("claims/<id:pk>/sources/", views.source_add, name="source_add"),
    path("claims/<id:pk>/verdict/", views.verdict_save, name="verdict_save"),
    path("claims/<id:pk>/matches/", views.claim_match_decide, name="claim_match_decide"),
    path("ratings/<id:pk>.css", views.rating_styles, name="rating_styles"),
    # Editorial workflow (views/editorial.py) and the account page (views/account.py).
    path("projects/<slug:slug>/queue/", views.review_queue, name="review_queue"),
    path("verdicts/<id:pk>/", views.verdict_detail, name="verdict_detail"),
    path("verdicts/<id:pk>/approve/", views.verdict_approve, name="verdict_approve"),
    path("verdicts/<id:pk>/return/", views.verdict_return, name="verdict_return"),
    path("verdicts/<id:pk>/submit/", views.verdict_submit, name="verdict_submit"),
    path("verdicts/<id:pk>/withdraw/", views.verdict_withdraw, name="verdict_withdraw"),
    path("verdicts/<id:pk>/correct/", views.verdict_correct, name="verdict_correct"),
    path("claims/<id:pk>/history/", views.claim_history, name="claim_history"),
    # Agreement and statistics (views/stats.py).
    path(
        "projects/<slug:slug>/agreement/",
        stats_views.project_agreement,
        name="project_agreement",
    ),
    path("projects/<slug:slug>/stats/", stats_views.project_statistics, name="project_statistics"),
    # Team pages (views/team.py).
    path("projects/<slug:slug>/export/", exports_page_views.project_export, name="project_export"),
    path(
        "projects/<slug:slug>/export/jobs/",
        exports_page_views.project_export_job,
        name="project_export_job",
    ),
    path("projects/<slug:slug>/settings/", team_views.project_settings, name="project_settings"),
    path(
        "projects/<slug:slug>/settings/scale/",
        team_views.scale_version,
        name="project_scale_version",
    ),
    path(
        "projects/<slug:slug>/queue/bulk/", claim_browser_views.queue_bulk, name="review_queue_bulk"
    ),
    path("projects/<slug:slug>/assign/", assignment_views.project_assign, name="project_assign"),
    path("assignments/next/", assignment_views.next_assignment, name="next_assignment"),
    path(
        "projects/<slug:slug>/invitations/",
        invitation_views.project_invitations,
        name="project_invitations",
    ),
    path(
        "projects/<slug:slug>/invitations/<id:pk>/revoke/",
        invitation_views.invitation_revoke,
        name="project_invitation_revoke",
    ),
    path("invite/<str:key>/", invitation_views.invitation_accept, name="invitation_accept"),
    path("projects/<slug:slug>/claims/", claim_browser_views.claim_browser, name="claim_browser"),
    path("projects/<slug:slug>/history/", team_views.project_history, name="project_history"),
    path("projects/<slug:slug>/members/", team_views.project_members, name="project_members"),
    path(
        "projects/<slug:slug>/members/<id:user_id>/role/",
        team_views.member_role,
        name="project_member_role",
    ),
    path(
        "projects/<slug:slug>/members/<id:user_id>/remove/",
        team_views.member_remove,
        name="project_member_remove",
    ),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_create, name="account_token_create"),
    path("account/tokens/new/", views.token_created, name="account_token_created"),
    path("account/tokens/<id:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
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
