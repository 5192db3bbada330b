"""Personal API tokens: create (the key is returned once), revoke, and look up by key.

Only a SHA-256 digest of the key is stored, so a database leak does not leak usable keys; the
key is long and random, so a fast digest is enough (no salt or slow hash needed).
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .exceptions import NotVisible, ValidationFailed
from .models import ApiToken, User

KEY_PREFIX = "fc_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it and the key, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the token a name, e.g. 'laptop export script'.", field="name")
    if len(name) > 100:
        raise ValidationFailed("A token name is at most 100 characters.", field="name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=digest(key))
    return token, key


@transaction.atomic
def revoke_token(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s tokens (idempotent)."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise NotVisible(f"You have no token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_for_key(key: str) -> tuple[User, ApiToken] | None:
    """Return the active user and token for `key`, recording the use; None if unknown or revoked."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Record the last use at most once a minute to keep reads from turning into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
