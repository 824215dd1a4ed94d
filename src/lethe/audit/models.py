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
    """One audited action: who did what to which subjects' data, for which purpose."""

    seq = models.BigAutoField(primary_key=True)
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

    class Meta:
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.actor} {self.action} {self.outcome}"
