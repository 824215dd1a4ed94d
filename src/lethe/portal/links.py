"""Signed links and portal sessions.

A link's token is `django.core.signing` over {link id, nonce} with a salt of its own
and a timestamp: a token that was not made here fails the signature (400), one older
than LETHE_PORTAL_LINK_HOURS has expired (410), one whose link was used already is
refused (410). The token carries no personal data.

A portal session is a signed cookie of its own (not the staff's Django session),
limited to one request and to SESSION, and tied to the used link it came from.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.utils import timezone

from lethe.dsr.models import Request
from lethe.portal.models import Link

SALT = "lethe.portal.link"
COOKIE = "lethe_portal"
COOKIE_SALT = "lethe.portal.session"
COOKIE_PATH = "/portal/"
SESSION = datetime.timedelta(hours=1)


class Refused(Exception):
    """A link that does not open anything: forged (400), expired or used (410)."""

    STATUS = {"forged": 400, "expired": 410, "used": 410}

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        self.status = self.STATUS[reason]


def hours() -> int:
    """Return how many hours a link works (LETHE_PORTAL_LINK_HOURS)."""
    return settings.CONFIG.portal_link_hours


def lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=hours())


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def new_nonce() -> tuple[str, str]:
    """Return a random nonce for a token and the hash to store for it."""
    nonce = secrets.token_urlsafe(32)
    return nonce, _hash(nonce)


def token(link: Link, nonce: str) -> str:
    """Return the signed token that goes into the e-mailed URL."""
    return signing.dumps({"l": str(link.id), "n": nonce}, salt=SALT)


def check(value: str) -> Link:
    """Return the link a token stands for, if it may still be used; else raise Refused."""
    try:
        payload = signing.loads(value, salt=SALT, max_age=lifetime())
    except signing.SignatureExpired:
        raise Refused("expired") from None
    except signing.BadSignature:
        raise Refused("forged") from None
    try:
        link_id, nonce = UUID(payload["l"]), str(payload["n"])
    except (KeyError, TypeError, ValueError):
        raise Refused("forged") from None
    link = Link.objects.filter(pk=link_id).first()
    if link is None:
        raise Refused("expired")  # purged after its expiry
    if not secrets.compare_digest(_hash(nonce), link.nonce_hash):
        raise Refused("forged")
    if link.used_at is not None:
        raise Refused("used")
    if link.expires_at <= timezone.now():
        raise Refused("expired")
    return link


def start_session(response, link: Link) -> None:
    """Give the browser a portal session on the link's request."""
    response.set_signed_cookie(
        COOKIE,
        f"{link.request_id}:{link.id}",
        salt=COOKIE_SALT,
        max_age=int(SESSION.total_seconds()),
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def end_session(response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Strict")


def session_request(http_request) -> Request | None:
    """Return the request this browser's portal session is on, or None (none, or ended)."""
    value = http_request.get_signed_cookie(
        COOKIE, default=None, salt=COOKIE_SALT, max_age=SESSION.total_seconds()
    )
    if not value:
        return None
    request_id, _, link_id = value.partition(":")
    try:
        request_id, link_id = int(request_id), UUID(link_id)
    except ValueError:
        return None
    link = (
        Link.objects.filter(pk=link_id, request_id=request_id, used_at__isnull=False)
        .select_related("request")
        .first()
    )
    return link.request if link else None
