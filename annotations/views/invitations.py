"""Invitations: one-time links that make whoever opens them a member with a role.

Function-based views like the rest of the HTML app: parse the request, call one service or
selector, render. Every write goes through `services` (or `tasks.start_*` for background
work); a `DomainError` becomes a message beside the field it names. The pages work without
JavaScript and without inline scripts or styles (the CSP forbids both).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import services
from ..exceptions import DomainError
from ..forms.team import (
    InvitationForm,
    JoinForm,
)
from ..models import (
    Invitation,
)
from .team import admin_project

# --- Invitations ------------------------------------------------------------------------------


def _mail_invitation(request, invitation, link: str) -> str:
    """Mail the link if an address was given; return what to tell the admin (never raise)."""
    if not invitation.email:
        return ""
    try:
        send_mail(
            f"Invitation to {invitation.project.name} on factcheck",
            f"{request.user.username} invites you to join {invitation.project.name} as "
            f"{invitation.role}.\n\nOpen this link within 7 days (it works once):\n{link}\n",
            None,
            [invitation.email],
        )
    except Exception as exc:  # mail is optional: any failure means "copy the link"
        return f"The link could not be mailed ({type(exc).__name__}); copy it from here."
    return f"The link was mailed to {invitation.email}."


@login_required
def project_invitations(request, slug):
    """List a project's invitations; admins make one (the link is shown once) or revoke one."""
    project, refusal = admin_project(request, slug)
    if refusal:
        return refusal
    form = InvitationForm(request.POST or None)
    link = mailed = ""
    if request.method == "POST" and form.is_valid():
        try:
            invitation, key = services.create_invitation(
                project=project, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            link = request.build_absolute_uri(reverse("invitation_accept", kwargs={"key": key}))
            mailed = _mail_invitation(request, invitation, link)
            form = InvitationForm()
    invitations = list(
        Invitation.objects.filter(project=project).select_related("created_by", "accepted_by")[:50]
    )
    response = render(
        request,
        "annotations/team/invitations.html",
        {
            "project": project,
            "form": form,
            "invitations": invitations,
            "link": link,
            "mailed": mailed,
        },
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the link is shown once
    return response


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    project, refusal = admin_project(request, slug)
    if refusal:
        return refusal
    invitation = get_object_or_404(Invitation, project=project, pk=pk)
    services.revoke_invitation(invitation=invitation, actor=request.user)
    messages.success(request, f"Revoked invitation #{invitation.pk}.")
    return redirect("project_invitations", slug=project.slug)


def invitation_accept(request, key):
    """Join a project through an invitation: signed in, with one click; otherwise by making an
    account here (or signing in first)."""
    try:
        invitation = services.find_invitation(key)
    except DomainError as exc:
        return render(
            request, "annotations/editorial/refused.html", {"message": exc.message}, status=404
        )
    signed_in = request.user.is_authenticated
    form = None if signed_in else JoinForm(request.POST or None)
    if request.method == "POST":
        user = request.user
        if not signed_in:
            if not form.is_valid():
                return _invitation_page(request, invitation, key, form, status=400)
            with transaction.atomic():
                user = form.save()
        try:
            services.accept_invitation(key=key, user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("dashboard" if signed_in else "login")
        if not signed_in:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(
            request, f"Welcome to {invitation.project.name}: you are {invitation.role}."
        )
        return redirect(invitation.project)
    return _invitation_page(request, invitation, key, form)


def _invitation_page(request, invitation, key, form, status=200):
    response = render(
        request,
        "annotations/team/invitation_accept.html",
        {"invitation": invitation, "form": form, "key": key},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    # The key is in the address: never send it to other sites. (Not "no-referrer": Chromium
    # then posts the form with "Origin: null", which the CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response
