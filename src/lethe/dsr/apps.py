from django.apps import AppConfig


class DsrConfig(AppConfig):
    """Data-subject requests (Art. 15-21): the register, cases, locate, exports and erasure."""

    name = "lethe.dsr"
    label = "dsr"

    def ready(self):
        # Fulfilment handlers register themselves on import.
        from lethe.dsr import exports  # noqa: F401
