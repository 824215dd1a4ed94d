from django.apps import AppConfig


class DsrConfig(AppConfig):
    """Data-subject requests (Art. 15-21): the register, cases, locate, exports and erasure."""

    name = "lethe.dsr"
    label = "dsr"

    def ready(self):
        from lethe.dsr import erasure  # noqa: F401 - registers the erasure plan and handler
