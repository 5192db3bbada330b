"""Reviewer-facing pages: dashboard, project page, the annotation workspace."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from ..models import Article, Project


@login_required
def dashboard(request):
    projects = Project.objects.visible_to(request.user)
    return render(request, "annotations/dashboard.html", {"projects": projects})


@login_required
def project_detail(request, slug):
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    articles = project.articles.all()
    return render(
        request, "annotations/project_detail.html", {"project": project, "articles": articles}
    )


@login_required
def article_annotate(request, pk):
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("project"), pk=pk
    )
    return render(request, "annotations/article_annotate.html", {"article": article})
