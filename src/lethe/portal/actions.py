"""The portal's write path: ask for a link, use it, purge what expired.

Nothing enters the request register until the person follows the e-mailed link:
until then the request is a `Link` whose details (e-mail address, correction) are
sealed under a record key of the link, destroyed when the link is used or expires.
Asking does the same work and sends a message whether or not the address is known
to Lethe, so the answer tells nobody whether it is (no enumeration).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from uuid import uuid4

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import register, texts
from lethe.dsr.models import Request
from lethe.portal import digests, links, mail
from lethe.portal import throttle as throttles
from lethe.portal.models import Link
from lethe.vault import documents
from lethe.vault.policy import Actor, Purpose

logger = logging.getLogger(__name__)

PURPOSE = Purpose.DATA_SUBJECT_REQUEST
METHOD = "e-mail link"
VERIFIED_BY = "portal"
# "Follow my requests" finds a request until this long after it was closed.
FOLLOW_AFTER_CLOSE = datetime.timedelta(days=30)
MAX_FOLLOW_LINKS = 5

UrlFor = Callable[[str], str]


class MailFailed(Exception):
    """The message could not be sent; nothing was kept."""


def _audit_link(actor: Actor, link_id: str, **detail) -> None:
    log.record(
        actor,
        Action.CREATE,
        purpose=PURPOSE,
        record_kind="portal_link",
        record_id=link_id,
        detail=detail,
    )


def ask_to_open(actor: Actor, kind: str, email: str, correction: str, url_for: UrlFor) -> Link:
    """Keep the request sealed and e-mail the link that confirms it (nothing registered yet)."""
    kind = Request.Kind(kind).value
    details = {"email": email}
    if kind == Request.Kind.RECTIFICATION and correction:
        details["correction"] = correction
    nonce, nonce_hash = links.new_nonce()
    with transaction.atomic():
        key = documents.new_record_key("portal")
        link = Link(
            id=uuid4(),
            purpose=Link.Purpose.OPEN,
            kind=kind,
            record_key=key,
            nonce_hash=nonce_hash,
            email_digest=digests.email(email),
            expires_at=timezone.now() + links.lifetime(),
        )
        link.details = texts.seal_json(actor, key, "portal.request", details)
        link.save()
        _audit_link(actor, str(link.id), purpose="open", kind=kind)
    try:
        mail.open_link(email, kind, url_for(links.token(link, nonce)), links.hours())
    except Exception as exc:
        withdraw(actor, [link], reason="portal_mail_failed")
        raise MailFailed from exc
    return link


def _followable(email: str) -> list[Request]:
    """Return the requests confirmed from this address that may still be followed."""
    recent = timezone.now() - FOLLOW_AFTER_CLOSE
    return list(
        Request.objects.filter(
            portal_links__purpose=Link.Purpose.OPEN,
            portal_links__email_digest=digests.email(email),
            portal_links__used_at__isnull=False,
        )
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=recent))
        .distinct()
        .order_by("-received_on", "-pk")[:MAX_FOLLOW_LINKS]
    )


def ask_to_follow(actor: Actor, email: str, url_for: UrlFor, start_url: str) -> list[Link]:
    """E-mail a single-use link to each request made from this address (or say there is none)."""
    made = []
    with transaction.atomic():
        for request in _followable(email):
            nonce, nonce_hash = links.new_nonce()
            link = Link.objects.create(
                id=uuid4(),
                purpose=Link.Purpose.FOLLOW,
                kind=request.kind,
                nonce_hash=nonce_hash,
                request=request,
                expires_at=timezone.now() + links.lifetime(),
            )
            made.append((link, nonce))
        _audit_link(actor, "", purpose="follow", links=len(made))
    try:
        found = [(link.request, url_for(links.token(link, nonce))) for link, nonce in made]
        mail.follow_links(email, found, start_url, links.hours())
    except Exception as exc:
        withdraw(actor, [link for link, _ in made], reason="portal_mail_failed")
        raise MailFailed from exc
    return [link for link, _ in made]


def _verified(actor: Actor, request: Request, at: datetime.datetime) -> None:
    """Record how the requester was verified: they followed the link sent to their address."""
    request.verification_method = METHOD
    request.verified_by = VERIFIED_BY
    request.verified_at = at
    register.step(actor, request, "verified", status=Request.Status.VERIFIED, method=METHOD)


def use(actor: Actor, token: str, *, follow_url: str) -> Link:
    """Use a link once: register and verify its request, or start following one.

    Raises links.Refused (changing nothing) for a forged, expired or used link.
    """
    link = links.check(token)
    now = timezone.now()
    email = ""
    with transaction.atomic():
        claimed = Link.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        if not claimed:
            raise links.Refused("used")  # another browser used it a moment ago
        link.used_at = now
        if link.purpose == Link.Purpose.OPEN:
            identifiers = texts.open_json(actor, link.details)
            email = identifiers.get("email", "")
            if not email:
                raise links.Refused("expired")  # its sealed details are gone
            request = register.open_request(
                actor,
                link.kind,
                Request.Identifier.EMAIL,
                identifiers,
                received_on=timezone.localdate(link.created_at),
                source=Request.Source.PORTAL,
            )
            _verified(actor, request, now)
            link.request = request
            link.save(update_fields=["request"])
        else:
            log.record(
                actor,
                Action.READ,
                purpose=PURPOSE,
                record_kind="dsr",
                record_id=str(link.request_id),
                detail={"portal": "follow link used"},
            )
    if link.purpose == Link.Purpose.OPEN:
        # The details live on in the request, sealed under its own key.
        documents.shred_records(actor, [link.record_key], reason="portal_link_used")
        try:
            mail.registered(email, link.request, follow_url)
        except Exception:
            logger.warning("portal: could not send the confirmation of request %s", link.request_id)
    return link


def withdraw(actor: Actor, withdrawn: list[Link], *, reason: str) -> int:
    """Delete links and destroy the keys of their sealed details."""
    if not withdrawn:
        return 0
    keys = [link.record_key for link in withdrawn if link.record_key_id is not None]
    documents.shred_records(actor, keys, reason=reason)
    return Link.objects.filter(pk__in=[link.pk for link in withdrawn]).delete()[0]


def purge_expired(actor: Actor, now=None) -> dict[str, int]:
    """Delete unused links past their expiry (and their sealed details), old follow links,
    the address hashes of requests closed long ago, and finished rate-limit windows."""
    now = now or timezone.now()
    unused = Link.objects.filter(expires_at__lte=now, used_at__isnull=True)
    expired = withdraw(actor, list(unused.select_related("record_key")), reason="portal_expired")
    followed = Link.objects.filter(purpose=Link.Purpose.FOLLOW, expires_at__lte=now).delete()[0]
    forgotten = (
        Link.objects.filter(request__closed_at__lte=now - FOLLOW_AFTER_CLOSE)
        .exclude(email_digest="")
        .update(email_digest="")
    )
    return {
        "expired": expired,
        "followed": followed,
        "forgotten": forgotten,
        "counters": throttles.forget_old(now),
    }
