from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    """Sealed files attached to CRM records; the records that take them are registered."""

    name = "lethe.attachments"
    label = "attachments"

    def ready(self):
        from lethe.attachments import kinds, signals  # noqa: F401 - registers handlers

        kinds.register_crm_records()
