"""Models of the rights to rectification, restriction and objection, and of recipients.

Imported by lethe.dsr.models, so they belong to the `dsr` app. None of them holds
plaintext personal data: corrections are sealed under the request's record key,
subjects are named by pseudonym (a foreign key to the vault's Subject), and
recipients are businesses (their name and kind only).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lethe.vault.models import Document, Subject


class Rectification(models.Model):
    """The corrections a rectification request asks for (Art. 16), sealed as one JSON text.

    `fields` lists the field names only (not personal data), so pages and the audit
    log can say what will change without opening the sealed values.
    """

    request = models.OneToOneField(
        "dsr.Request", on_delete=models.CASCADE, related_name="rectification"
    )
    corrections = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fields = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.CharField(max_length=160, blank=True)

    def __str__(self):
        return f"corrections of {self.request_id}"


class Restriction(models.Model):
    """A restriction of processing (Art. 18) of one subject, from one request until lifted.

    The subject's status (vault Subject.Status.RESTRICTED) is what the gate enforces;
    these rows are the evidence: when it started, and when and how the person was told
    before it was lifted (Art. 18(3)).
    """

    class Method(models.TextChoices):
        EMAIL = "email", "e-mail"
        LETTER = "letter"
        PHONE = "phone"
        PORTAL = "portal", "self-service portal"
        IN_PERSON = "in_person", "in person"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey("dsr.Request", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.CharField(max_length=160)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=160, blank=True)
    told_on = models.DateField(null=True, blank=True)
    told_method = models.CharField(max_length=16, choices=Method.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "subject"], name="dsr_restricted_once")
        ]
        indexes = [models.Index(fields=["subject", "lifted_at"], name="dsr_restriction_subject")]

    def __str__(self):
        return f"restriction of {self.subject_id} ({self.request_id})"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class MarketingObjection(models.Model):
    """A subject objected to direct marketing (Art. 21(2)): never market to them again.

    The marker the marketing features check (lethe.dsr.objection.objected); their
    e-mail addresses and phone numbers also go on the suppression list.
    """

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        "dsr.Request", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    objected_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=160)

    def __str__(self):
        return f"objection of {self.subject_id}"


class Recipient(models.Model):
    """Someone Lethe's data is disclosed to (Art. 19, 30(1)(d)): a business, not a person."""

    class Kind(models.TextChoices):
        PROCESSOR = "processor", "processor (Art. 28)"
        CONTROLLER = "controller", "another controller"
        AUTHORITY = "authority", "public authority"
        OTHER = "other"

    name = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=160)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Disclosure(models.Model):
    """One hand-over of personal data to a recipient: whose, which categories, why, how."""

    class Channel(models.TextChoices):
        EXPORT = "export", "export to a third party"
        INTEGRATION = "integration"
        OTHER = "other"

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="disclosures")
    categories = models.JSONField(default=list)
    purpose = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.CharField(max_length=160)
    subject_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"disclosure {self.pk} to {self.recipient_id}"


class DisclosedSubject(models.Model):
    """A subject whose data a disclosure handed over (by pseudonym)."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="subjects")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "subject"], name="dsr_disclosed_once")
        ]
        indexes = [models.Index(fields=["subject"], name="dsr_disclosed_subject")]

    def __str__(self):
        return f"{self.subject_id} in disclosure {self.disclosure_id}"


class Notification(models.Model):
    """A recipient to tell of a rectification, erasure or restriction (Art. 19), and when we did."""

    class Method(models.TextChoices):
        EMAIL = "email", "e-mail"
        LETTER = "letter"
        PHONE = "phone"
        INTEGRATION = "integration", "through the integration"
        IMPOSSIBLE = "impossible", "impossible or disproportionate (Art. 19)"

    request = models.ForeignKey(
        "dsr.Request", on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    notified_on = models.DateField(null=True, blank=True)
    notified_by = models.CharField(max_length=160, blank=True)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)

    class Meta:
        ordering = ["recipient__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "recipient"], name="dsr_notify_once")
        ]

    def __str__(self):
        return f"notify {self.recipient_id} of {self.request_id}"

    @property
    def done(self) -> bool:
        return self.notified_on is not None
