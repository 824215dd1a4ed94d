from django.apps import AppConfig


class ContactsConfig(AppConfig):
    """Contacts: the CRM record of a person, whose personal data lives in the vault."""

    name = "lethe.contacts"
    label = "contacts"

    def ready(self):
        from lethe.contacts.relations import CrmRelations
        from lethe.vault import policy

        policy.set_relations(CrmRelations())
