"""HTML routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
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
]
