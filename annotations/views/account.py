"""The account page: a user's API tokens (create, shown once, list, revoke) and a link to
change the password (Django's own PasswordChangeView, routed in `urls.py`).

A new key is put in the session only between the POST that creates it and the page that shows
it, which removes it from the session as it renders; only its digest is stored for good.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from .. import tokens
from ..exceptions import NotVisible, ValidationFailed
from ..forms.account import TokenForm

NEW_KEY = "factcheck_new_token"


def _account_page(request, form: TokenForm, status: int = 200):
    return render(
        request,
        "annotations/account/account.html",
        {"form": form, "tokens": request.user.api_tokens.all()},
        status=status,
    )


@login_required
def account(request):
    """List the user's API tokens with a form to create one."""
    return _account_page(request, TokenForm())


@login_required
@require_POST
def token_create(request):
    """Create a token and send the browser to the one page that shows its key."""
    form = TokenForm(request.POST)
    name = form.cleaned_data.get("name", "") if form.is_valid() else ""
    try:
        token, key = tokens.create_token(user=request.user, name=name)
    except ValidationFailed as exc:
        form.add_error("name", exc.message)
        return _account_page(request, form, status=400)
    request.session[NEW_KEY] = {"id": token.pk, "key": key}
    return redirect("account_token_created")


@login_required
def token_created(request):
    """Show a new token's key once; a reload finds it gone."""
    pending = request.session.pop(NEW_KEY, None)
    if pending is None:
        messages.info(
            request, "A token's key is shown only once. Revoke a lost token and create a new one."
        )
        return redirect("account")
    token = request.user.api_tokens.filter(pk=pending["id"]).first()
    if token is None:
        raise Http404("No such token.")
    response = render(
        request, "annotations/account/token_created.html", {"token": token, "key": pending["key"]}
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    """Revoke one of the user's tokens; someone else's token id is a 404."""
    try:
        token = tokens.revoke_token(user=request.user, token_id=pk)
    except NotVisible:
        raise Http404("You have no token with this id.") from None
    messages.success(request, f"Revoked the token “{token.name}” ({token.prefix}…).")
    return redirect("account")
