"""Purposes of processing (the Art. 30 records), places outside Lethe that hold personal
data (manual data-map entries) and the published versions of the privacy notice.

Nothing here is personal data of customers: purposes describe processing, manual
entries describe stores, and the notice is public. The owner of a manual entry is a
user of Lethe (business contact data of a colleague).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class LegalBasis(models.TextChoices):
    """The lawful bases of Art. 6(1) GDPR."""

    CONSENT = "consent", "Art. 6(1)(a) consent"
    CONTRACT = "contract", "Art. 6(1)(b) contract"
    LEGAL_OBLIGATION = "legal_obligation", "Art. 6(1)(c) legal obligation"
    VITAL_INTERESTS = "vital_interests", "Art. 6(1)(d) vital interests"
    PUBLIC_TASK = "public_task", "Art. 6(1)(e) public task or official authority"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Art. 6(1)(f) legitimate interests"


class Purpose(models.Model):
    """One purpose of processing with every item of its Art. 30(1) record.

    `key` matches lethe.vault.policy.Purpose where the vault knows the purpose, so a
    gate call's declared purpose finds its record here. The controller and the DPO
    are the organisation's (configured, see lethe.purposes.registry.organisation);
    `joint_controller` names another controller where one shares the purpose.
    Consent records and retention policies refer to a purpose by this row.
    """

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField()
    legal_basis = models.CharField(max_length=24, choices=LegalBasis.choices)
    # Which law or contract, e.g. "Bookkeeping Act (1999:1078) ch. 7 § 2".
    legal_basis_detail = models.TextField(blank=True)
    # The legitimate interest pursued; required for Art. 6(1)(f) only (Art. 13(1)(d)).
    legitimate_interest = models.TextField(blank=True)
    subject_categories = models.JSONField(default=list)
    data_categories = models.JSONField(default=list)  # names from lethe.purposes.categories
    recipients = models.JSONField(default=list)
    # Transfers to third countries or international organisations; blank: none.
    transfers = models.TextField(blank=True)
    transfer_safeguards = models.TextField(blank=True)
    retention = models.TextField()
    retention_months = models.PositiveSmallIntegerField()
    security_measures = models.TextField()
    joint_controller = models.TextField(blank=True)
    # Where the data comes from when not from the person (Art. 14(2)(f)).
    data_source = models.TextField(blank=True)
    # Whether providing the data is required, and what happens if not (Art. 13(2)(e)).
    provision = models.TextField()
    # Shown in the public privacy notice (staff processing has its own notice).
    in_notice = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self):
        return self.name

    @property
    def basis_label(self) -> str:
        return LegalBasis(self.legal_basis).label


class PurposeVersion(models.Model):
    """A purpose as it was after one change: kept for ever, never edited."""

    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changed = models.JSONField(default=list)  # the fields this version changed
    changed_by = models.CharField(max_length=160)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["purpose", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "number"], name="purpose_version_once")
        ]

    def __str__(self):
        return f"{self.purpose_id} v{self.number}"


class ManualEntry(models.Model):
    """A store of personal data outside Lethe (a spreadsheet, a paper archive, an inbox).

    Someone owns it and reviews it by `review_on`; an entry past that date is
    flagged on the data map.
    """

    name = models.CharField(max_length=120)
    location = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    data_categories = models.JSONField(default=list)
    purposes = models.ManyToManyField(Purpose, related_name="manual_entries")
    retention = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_map_entries"
    )
    review_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review_on", "name", "id"]

    def __str__(self):
        return self.name

    def overdue(self, today=None) -> bool:
        """Return whether the review date has passed."""
        return self.review_on < (today or timezone.localdate())


class NoticeVersion(models.Model):
    """One published version of the privacy notice: the exact text shown, and its hash.

    A consent record refers to the version (and hash) the person saw; versions are
    never changed or removed.
    """

    number = models.PositiveIntegerField(unique=True)
    language = models.CharField(max_length=8, default="en")
    html = models.TextField()
    sha256 = models.CharField(max_length=64, db_index=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.CharField(max_length=160)

    class Meta:
        ordering = ["-number"]

    def __str__(self):
        return f"privacy notice v{self.number}"
