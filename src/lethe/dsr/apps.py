from django.apps import AppConfig


class DsrConfig(AppConfig):
    """Data-subject requests (Art. 15-21): the register, cases, locate, exports and erasure."""

    name = "lethe.dsr"
    label = "dsr"

    def ready(self):
        # The fulfilment handlers register themselves on import (lethe.dsr.fulfilment).
        from lethe.dsr import (  # noqa: F401
            erasure,
            exports,
            objection,
            rectification,
            restriction,
            wiring,
        )
