from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    """Sealed files attached to CRM records; the records that take them are registered."""

    name = "lethe.attachments"
    label = "attachments"

    def ready(self):
        from lethe.attachments import kinds, signals  # noqa: F401 - registers handlers

        kinds.register_crm_records()

        from lethe.attachments.merging import move_contact_files
        from lethe.contacts.merge import on_merge

        on_merge(move_contact_files)

        from lethe.attachments.merging import delete_contact_files
        from lethe.contacts.deletion import on_delete

        on_delete(delete_contact_files)
