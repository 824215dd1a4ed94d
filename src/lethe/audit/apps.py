from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log: one event per privacy-relevant action (SPEC I6)."""

    name = "lethe.audit"
    label = "audit"
