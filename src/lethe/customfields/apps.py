from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    """Fields an admin adds to contacts, companies and deals; personal ones live in the vault."""

    name = "lethe.customfields"
    label = "customfields"

    def ready(self):
        from lethe.customfields import values
        from lethe.vault import fields

        fields.add_resolver(values.resolve_personal)

        from lethe.contacts.merge import on_merge

        on_merge(values.move_contact_values)

        from lethe.contacts.deletion import on_delete

        on_delete(values.delete_contact_values)
