"""The consent ledger, the notice texts people were shown, and marketing lists.

The ledger (`ConsentEvent`) is append-only: a change of mind is a new row, never an
edit. Database triggers refuse UPDATE and DELETE (lethe.consent.triggers) and the
model refuses to save an existing row or to delete one; the one way rows leave is the
erasure of their subject (`lethe.consent.ledger.forget`). A row names its subject by
pseudonym and holds no personal data: purpose, state, time, channel, who recorded it
and a reference to the exact notice text shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lethe.vault.models import Document, RecordKey, Subject
from lethe.vault.policy import Purpose

# Purposes a person can consent to; the others rest on other legal bases by nature.
CONSENTABLE = (
    Purpose.DIRECT_MARKETING,
    Purpose.CUSTOMER_RELATIONSHIP,
    Purpose.CUSTOMER_SUPPORT,
)
PURPOSE_CHOICES = [(p.value, p.value.replace("_", " ")) for p in CONSENTABLE]


class AppendOnly(Exception):
    """An attempt to change or remove a row of the append-only consent ledger."""


class State(models.TextChoices):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class Channel(models.TextChoices):
    """How the person gave or withdrew their consent."""

    WEB_FORM = "web_form", "web form"
    EMAIL = "email", "e-mail"
    PHONE = "phone", "phone"
    IMPORT = "import", "import"
    API = "api", "API"
    PORTAL = "portal", "self-service portal"


class NoticeText(models.Model):
    """The exact text a person was shown when asked for consent, kept once per version.

    Not personal data, so stored as it is; its SHA-256 (of the UTF-8 text) is the
    reference the ledger and the API use. Rows are never changed or removed.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"notice {self.sha256[:12]}"


class PublishedNotice(models.Model):
    """A version of the notice for a purpose: what the public consent form shows."""

    purpose = models.CharField(max_length=32, choices=PURPOSE_CHOICES)
    version = models.PositiveIntegerField()
    notice = models.ForeignKey(NoticeText, on_delete=models.PROTECT, related_name="publications")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.CharField(max_length=160)

    class Meta:
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_notice_version")
        ]

    def __str__(self):
        return f"{self.purpose} notice v{self.version}"


class LedgerQuerySet(models.QuerySet):
    """Rows of the ledger can be added and read; bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise AppendOnly("the consent ledger is append-only: record a new event instead")

    def delete(self):
        raise AppendOnly("the consent ledger is append-only: rows go only with their subject")


class ConsentEvent(models.Model):
    """One grant or withdrawal of consent by a subject for a purpose.

    The current state per subject and purpose is the latest event (by `at`, then `id`);
    see lethe.consent.ledger.
    """

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=32, choices=PURPOSE_CHOICES)
    state = models.CharField(max_length=16, choices=State.choices)
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recorded_by = models.CharField(max_length=160)
    notice = models.ForeignKey(
        NoticeText, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Double opt-in: when the person asked (the form), `at` is when they confirmed.
    requested_at = models.DateTimeField(null=True, blank=True)
    double_opt_in = models.BooleanField(default=False)
    # Set on events carried over from a contact merged into this subject's contact.
    merged_from = models.UUIDField(null=True, blank=True)
    # The public privacy notice (lethe.purposes.notice) in force when this was recorded:
    # its version number and SHA-256, so the evidence names what the person could read.
    privacy_notice_version = models.PositiveIntegerField(null=True, blank=True)
    # null, not "": SQLite then adds the column without rebuilding the append-only table.
    privacy_notice_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["subject", "purpose", "at", "id"], name="consent_latest"),
            models.Index(fields=["purpose", "state"], name="consent_by_state"),
        ]

    def __str__(self):
        return f"{self.state} {self.purpose} by {self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("the consent ledger is append-only: record a new event instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the consent ledger is append-only: rows go only with their subject")


class PendingConfirmation(models.Model):
    """A consent or withdrawal asked for on the public form, waiting for its e-mail link.

    What the person typed (e-mail address, name) is sealed as a vault Document under a
    record key of this row alone; confirming, or expiry, destroys the key and the row.
    The link carries a random nonce whose SHA-256 is kept here, so it works once.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    state = models.CharField(max_length=16, choices=State.choices)
    purpose = models.CharField(max_length=32, choices=PURPOSE_CHOICES)
    notice = models.ForeignKey(
        NoticeText, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record_key = models.ForeignKey(RecordKey, on_delete=models.PROTECT, related_name="+")
    details = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, related_name="+")
    nonce_sha256 = models.CharField(max_length=64)
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"pending {self.state} {self.pk}"


class FormThrottle(models.Model):
    """Submissions of a public form counted per keyed digest (of an address or e-mail)."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.count} submissions for {self.key[:8]}…"


class MarketingList(models.Model):
    """A campaign list: its members show and export only while they are eligible."""

    name = models.CharField(max_length=120, unique=True)
    purpose = models.CharField(
        max_length=32, choices=PURPOSE_CHOICES, default=Purpose.DIRECT_MARKETING.value
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ListMember(models.Model):
    """A contact put on a marketing list (shown only while eligible; see eligibility.py)."""

    marketing_list = models.ForeignKey(
        MarketingList, on_delete=models.CASCADE, related_name="members"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="marketing_lists"
    )
    added_by = models.CharField(max_length=160)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["marketing_list", "contact"], name="list_member_once")
        ]

    def __str__(self):
        return f"{self.contact_id} on {self.marketing_list_id}"
