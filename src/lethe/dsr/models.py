"""The register of data-subject requests, and the cases in which a DPO may read personal data.

Free text that may name a person (how the requester identified themselves, notes of
steps, reasons) is never stored here in plaintext: it is sealed as vault Documents
under the request's own record key (`lethe.dsr.texts`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lethe.vault.models import Document, RecordKey, Subject


class Request(models.Model):
    """One data-subject request, from receipt to its outcome and evidence."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Access (Art. 15)"
        PORTABILITY = "portability", "Portability (Art. 20)"
        ERASURE = "erasure", "Erasure (Art. 17)"
        RECTIFICATION = "rectification", "Rectification (Art. 16)"
        RESTRICTION = "restriction", "Restriction (Art. 18)"
        OBJECTION = "objection", "Objection to direct marketing (Art. 21)"

    class Status(models.TextChoices):
        RECEIVED = "received"
        VERIFIED = "verified"
        IN_PROGRESS = "in_progress", "in progress"
        WAITING = "waiting", "waiting on requester"
        COMPLETED = "completed"
        REFUSED = "refused"

    class Identifier(models.TextChoices):
        EMAIL = "email", "e-mail"
        PHONE = "phone"
        IDENTITY_NUMBER = "identity_number", "identity number"
        NAME_AND_COMPANY = "name_and_company", "name and company"

    class Source(models.TextChoices):
        CONSOLE = "console"
        API = "api"
        CLI = "cli"
        PORTAL = "portal"

    class Language(models.TextChoices):
        """The language the person is answered in (the Art. 15 report, letters)."""

        ENGLISH = "en", "English"
        SWEDISH = "sv", "svenska"

    CLOSED = (Status.COMPLETED, Status.REFUSED)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.CONSOLE)
    identified_by = models.CharField(max_length=20, choices=Identifier.choices)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    # The requester's identifiers (and, for rectification, the corrections), sealed.
    record_key = models.ForeignKey(RecordKey, on_delete=models.PROTECT, related_name="+")
    details = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verification_method = models.CharField(max_length=64, blank=True)
    verified_by = models.CharField(max_length=160, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    received_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField()
    extension_months = models.PositiveSmallIntegerField(default=0)
    extended_due_on = models.DateField(null=True, blank=True)
    extension_notified_on = models.DateField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_subject_requests",
    )
    outcome = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="dsr_open_by_due")]

    def __str__(self):
        return f"{self.kind} request #{self.pk}"

    @property
    def deadline(self):
        return self.extended_due_on or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED

    @property
    def case(self) -> str:
        return f"dsr:{self.pk}"


class RequestSubject(models.Model):
    """A subject that locate found for a request; only confirmed ones are released or erased."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="subjects")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    confirmed = models.BooleanField(default=False)
    confirmed_by = models.CharField(max_length=160, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "subject"], name="dsr_subject_once")
        ]

    def __str__(self):
        return f"{self.subject_id} in {self.request_id}"


class RequestStep(models.Model):
    """One step of a request's log: who did what, when; a note (if any) is sealed."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(default=timezone.now)
    by = models.CharField(max_length=160)
    step = models.CharField(max_length=32)
    status = models.CharField(max_length=16, blank=True)
    note = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.step} of {self.request_id}"


class BreakGlass(models.Model):
    """A DPO's time-limited access outside any case: a stated reason, audited, shown."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass"
    )
    record_key = models.ForeignKey(RecordKey, on_delete=models.PROTECT, related_name="+")
    reason = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"break-glass #{self.pk} by {self.user_id}"

    @property
    def case(self) -> str:
        return f"glass:{self.pk}"

    def active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.ended_at is None and self.expires_at > now


class Export(models.Model):
    """A file made for a request (Art. 15 report, Art. 20 archive), sealed, for 7 days.

    The bytes live in the export store (`<data dir>/exports/`), sealed under a record
    key of this export alone; expiry, or the erasure of the person, destroys the key
    and deletes the file (lethe.dsr.store).
    """

    id = models.UUIDField(primary_key=True, editable=False)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(max_length=32)  # e.g. "access.pdf", "access.html", "portability.zip"
    filename = models.CharField(max_length=120)  # never a person's name: e.g. dsr-12-access.pdf
    content_type = models.CharField(max_length=100)
    record_key = models.ForeignKey(RecordKey, on_delete=models.PROTECT, related_name="+")
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    downloads = models.PositiveIntegerField(default=0)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} of {self.request_id}"

    def available(self, now=None) -> bool:
        return self.purged_at is None and self.expires_at > (now or timezone.now())


class Suppression(models.Model):
    """A keyed hash of an e-mail address or phone number that must not come back silently.

    Entries are added when a person objects to direct marketing (Art. 21) or is erased
    (Art. 17); imports and new contacts are checked against them (lethe.dsr.suppression).
    The hash is a full HMAC-SHA256 under a key derived from the index key: it cannot be
    reversed without that key and holds no plaintext (SPEC I1).
    """

    class Kind(models.TextChoices):
        EMAIL = "email"
        PHONE = "phone"

    class Reason(models.TextChoices):
        OBJECTION = "objection"
        ERASURE = "erasure"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    request = models.ForeignKey(
        Request, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "digest", "reason"], name="suppressed_once")
        ]
        indexes = [models.Index(fields=["kind", "digest"], name="suppression_lookup")]

    def __str__(self):
        return f"suppressed {self.kind} ({self.reason})"


# Rectification, restriction, objection and recipients (Art. 16, 18, 19, 21) keep their
# models in a module of their own; importing them here makes them part of this app.
from lethe.dsr.rights_models import (  # noqa: E402, F401
    DisclosedSubject,
    Disclosure,
    MarketingObjection,
    Notification,
    Recipient,
    Rectification,
    Restriction,
)


class ErasureRun(models.Model):
    """The progress of one erasure request's execution, so an interrupted run resumes.

    `done` maps "<step>:<subject>" (or "<step>" for the request's own steps) to that
    step's result: counts and ids, never personal data. A step's main-database work and
    its entry here commit together; what lives elsewhere (keys, files) is idempotent.
    """

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="erasure")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return f"erasure of {self.request_id}"


class AuditSubject(models.Model):
    """Which audit event names which subject: an index of AuditEvent.subjects, kept by locate.

    The audit log stores an event's subjects as a JSON list, which no database index
    serves, so finding the events about a person would read the whole log. Locate adds
    the events logged since it last looked (`AuditIndexMark`) and then looks people up
    here. Pseudonyms and sequence numbers only, as in the log itself; events removed by
    the log's retention drop out through the join.
    """

    event = models.ForeignKey(
        "audit.AuditEvent",
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # the log is pruned on its own terms
        related_name="+",
    )
    subject = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "event"], name="audit_subject_once")
        ]

    def __str__(self):
        return f"{self.subject} in #{self.event_id}"


class AuditIndexMark(models.Model):
    """How far locate has indexed the audit log (one row)."""

    seq = models.BigIntegerField(default=0)

    def __str__(self):
        return f"audit indexed up to #{self.seq}"
