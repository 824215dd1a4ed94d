"""Links the portal e-mails, and its rate-limit counters.

Nothing about a person is kept here in plaintext (SPEC I1): the e-mail address and
the rectification text of a request not yet confirmed are sealed under a record key
of the link, destroyed once the link is used or expires; e-mail addresses and client
addresses appear only as keyed hashes (lethe.portal.digests).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lethe.dsr.models import Request
from lethe.vault.models import Document, RecordKey


class Link(models.Model):
    """A single-use, expiring link sent by e-mail: to confirm a new request, or to follow one.

    The e-mailed token is signed (django.core.signing) and carries the link's id and a
    random nonce; only the nonce's SHA-256 is stored, and `used_at` makes it single-use.
    """

    class Purpose(models.TextChoices):
        OPEN = "open"  # confirms the address and opens the request in the register
        FOLLOW = "follow"  # starts a portal session on a request already registered

    id = models.UUIDField(primary_key=True, editable=False)
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    kind = models.CharField(max_length=16, choices=Request.Kind.choices, blank=True)
    # The requester's e-mail address (and correction) until the link is used, sealed.
    record_key = models.ForeignKey(
        RecordKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    details = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    nonce_hash = models.CharField(max_length=64)
    # Keyed hash of the address, so that "follow my requests" finds the person's requests.
    email_digest = models.CharField(max_length=64, blank=True)
    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, null=True, blank=True, related_name="portal_links"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["email_digest"], name="portal_link_by_email"),
            models.Index(fields=["expires_at"], name="portal_link_expiry"),
        ]

    def __str__(self):
        return f"{self.purpose} link {self.id}"


class Throttle(models.Model):
    """How many links one client address, or one e-mail address, asked for in a window.

    `key` is a keyed digest (lethe.portal.digests), never the address itself.
    """

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()

    def __str__(self):
        return f"{self.count} links for {self.key[:8]}…"
