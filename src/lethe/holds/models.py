"""Legal holds: what a legal obligation makes us keep about a person, why and until when.

A hold's personal data (the person's name and e-mail on a contract) is a copy sealed
under a key scope of the hold's own (`hold:deal-<id>`), which only the purpose
`legal_obligation` may read (the finance role, or a DPO inside a case). It survives the
erasure of the person (Art. 17(3)(b)) and is destroyed when the hold ends.
"""

from django.db import models
from django.utils import timezone

from lethe.vault.models import Subject

BOOKKEEPING_ACT = "Bokföringslagen (1999:1078) 7 kap. 2 §"
ERASURE_EXCEPTION = "GDPR Art. 6(1)(c) and 17(3)(b)"


class LegalHold(models.Model):
    """One person's data kept under one legal obligation (e.g. a contract of a won deal)."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", "contract record (accounting)"

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="holds")
    # The vault key scope, "hold:<record kind>-<id>": with the subject, a key of its own.
    scope = models.CharField(max_length=64)
    fields = models.JSONField(default=list, blank=True)  # names of the fields copied
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CONTRACT)
    legal_basis = models.CharField(max_length=200)
    # The record it came from (a won deal); kept as kind and id, as the record may go.
    record_kind = models.CharField(max_length=32)
    record_id = models.BigIntegerField()
    # The contract's business data, kept with the hold (no personal data).
    title = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    closed_on = models.DateField()
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="held until the end of this day")
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ends_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "record_kind", "record_id"], name="hold_once_per_record"
            )
        ]
        indexes = [models.Index(fields=["released_at", "ends_on"], name="hold_due")]

    def __str__(self):
        return f"{self.kind} hold #{self.pk} until {self.ends_on}"

    @property
    def active(self) -> bool:
        return self.released_at is None
