from django.apps import AppConfig


class ConsentConfig(AppConfig):
    """The consent ledger (Art. 7), the public consent form and marketing lists."""

    name = "lethe.consent"
    label = "consent"

    def ready(self):
        from lethe.consent import dsr, hooks  # noqa: F401  (dsr: locate holder, export section)
        from lethe.contacts.deletion import on_delete
        from lethe.contacts.merge import on_merge

        on_delete(hooks.forget_deleted_contact)
        on_merge(hooks.move_merged_consents)
