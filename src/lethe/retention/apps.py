from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Retention policies: what is erased when it is no longer needed (issue #7)."""

    name = "lethe.retention"
    label = "retention"
