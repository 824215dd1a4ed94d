from django.apps import AppConfig


class KeystoreConfig(AppConfig):
    """Wrapped data keys, kept in their own database (LETHE_KEYSTORE_URL)."""

    name = "lethe.vault.keystore"
    label = "keystore"
    default_auto_field = "django.db.models.BigAutoField"
