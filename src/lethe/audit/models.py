"""Audit events. They name subjects by pseudonym only and never hold plaintext personal data."""

from django.db import models


class Action(models.TextChoices):
    """The closed list of audited actions."""

    READ = "read"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    DELETE = "delete"
    EXPORT = "export"
    IMPORT = "import"
    CONSENT_CHANGE = "consent_change"
    REQUEST_STEP = "request_step"
    ERASURE = "erasure"
    KEY_ROTATION = "key_rotation"
    ROLE_GRANT = "role_grant"
    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILURE = "login_failure"
    ACCESS_DENIED = "access_denied"
    BREACH_STEP = "breach_step"
    SYSTEM = "system"


class Outcome(models.TextChoices):
    ALLOWED = "allowed"
    PARTIAL = "partial"  # some categories were masked
    DENIED = "denied"


class AuditEvent(models.Model):
    """One audited action: who did what to which subjects' data, for which purpose.

    Events form a hash chain: `hash` = SHA-256(`prev_hash` || canonical encoding),
    and `seq` is gapless. Rows are append-only (database triggers reject UPDATE,
    DELETE and TRUNCATE; see lethe.audit.triggers).
    """

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=100, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    subjects = models.JSONField(default=list)
    record_kind = models.CharField(max_length=64, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    categories = models.JSONField(default=list)
    denied_categories = models.JSONField(default=list)
    purpose = models.CharField(max_length=64, blank=True)
    case_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_addr = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.BinaryField(max_length=32)
    hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["action", "at"], name="audit_action_at")]

    def __str__(self):
        return f"#{self.seq} {self.actor} {self.action} {self.outcome}"


class ChainHead(models.Model):
    """The tip of the chain: one row, locked by each append so that seq stays gapless."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_chain_head")]

    def __str__(self):
        return f"chain head at #{self.seq}"


class Checkpoint(models.Model):
    """A signed RFC 6962 tree head over events 1..tree_size (append-only).

    `frontier` holds the roots of the perfect subtrees covering those events, so the
    next checkpoint needs only the events after this one.
    """

    tree_size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    last_hash = models.BinaryField(max_length=32)
    signed_at = models.DateTimeField()
    signature = models.BinaryField(max_length=64)
    key_id = models.CharField(max_length=16)
    frontier = models.JSONField(default=list)

    class Meta:
        ordering = ["tree_size"]

    def __str__(self):
        return f"checkpoint at #{self.tree_size}"


class PrunedLeaf(models.Model):
    """The hash of an event removed by retention: its tree heads still verify over it."""

    seq = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    def __str__(self):
        return f"pruned #{self.seq}"


class VerifyRun(models.Model):
    """The outcome of one `lethe audit verify`, shown as the chain status."""

    at = models.DateTimeField()
    ok = models.BooleanField()
    events = models.BigIntegerField()
    first_bad_seq = models.BigIntegerField(null=True)
    problem = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"verify at {self.at}: {'ok' if self.ok else self.problem}"
