from django.apps import AppConfig


class PurposesConfig(AppConfig):
    """Purposes of processing (Art. 30 records), the data map and the privacy notice."""

    name = "lethe.purposes"
    label = "purposes"
