"""API bearer tokens: create (shown once), check, list, revoke. All audited."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from lethe.accounts.models import ApiToken, User
from lethe.audit import log
from lethe.audit.models import Action
from lethe.vault.policy import Actor, Purpose

PREFIX = "lethe_"
MAX_DAYS = 366
# Refresh last_used_at at most this often, so reads do not become a write each.
TOUCH_EVERY = datetime.timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The API's areas: the first part of the path after /api/v1/.
AREAS = (
    "activities",
    "attachments",
    "audit",
    "break-glass",
    "companies",
    "contacts",
    "custom-fields",
    "data-map",
    "deals",
    "purposes",
    "marketing",
    "teams",
)
ALL = "all"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def clean_scopes(scopes) -> list[str]:
    """Return the scopes, checked; raise ValueError naming a bad one."""
    cleaned = []
    for scope in scopes:
        scope = str(scope).strip().lower()
        area, _, access = scope.partition(":")
        if scope != ALL and (area not in AREAS or access not in ("read", "write")):
            raise ValueError(
                f"unknown scope {scope!r}: use all, or <area>:read or <area>:write with an "
                f"area of {', '.join(AREAS)}"
            )
        cleaned.append(scope)
    if not cleaned:
        raise ValueError("give the token at least one scope")
    return sorted(set(cleaned))


def allows(token: ApiToken, method: str, path: str) -> bool:
    """Return whether the token's scopes cover this API request."""
    if ALL in token.scopes:
        return True
    area = path.removeprefix("/api/v1/").split("/", 1)[0]
    wanted = (
        {f"{area}:write"}
        if method.upper() not in SAFE_METHODS
        else {
            f"{area}:read",
            f"{area}:write",
        }
    )
    return bool(wanted & set(token.scopes))


def create(
    actor: Actor, user: User, name: str, *, days: int = 90, scopes=(ALL,)
) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it and its secret (the only time it is seen)."""
    scopes = clean_scopes(scopes)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("give the token a name of at most 100 characters")
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(PREFIX) + 6],
            digest=_digest(secret),
            expires_at=timezone.now() + datetime.timedelta(days=days),
            scopes=scopes,
        )
        log.record(
            actor,
            Action.CREATE,
            record_kind="api_token",
            record_id=token.pk,
            purpose=Purpose.ADMINISTRATION,
            detail={"user": user.pk, "days": days, "scopes": scopes},
        )
    return token, secret


def user_for(secret: str) -> User | None:
    """Return the active user of a valid, unexpired, unrevoked token, or None."""
    token = token_for(secret)
    return None if token is None else token.user


def token_for(secret: str) -> ApiToken | None:
    """Return a valid, unexpired, unrevoked token of an active user, or None."""
    if not secret.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(actor: Actor, token: ApiToken) -> None:
    """End a token now."""
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            log.record(
                actor,
                Action.DELETE,
                record_kind="api_token",
                record_id=token.pk,
                purpose=Purpose.ADMINISTRATION,
                detail={"user": token.user_id},
            )
