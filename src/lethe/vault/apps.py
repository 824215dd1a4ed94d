from django.apps import AppConfig


class VaultConfig(AppConfig):
    """The personal-data vault: subjects, encrypted fields, blind indexes and the gate."""

    name = "lethe.vault"
    label = "vault"
