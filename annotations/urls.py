"""HTML routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
    path("articles/<int:pk>/", views.article_annotate, name="article_annotate"),
]
