from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The installation itself: its marker (I5), pages, health check and commands."""

    name = "lethe.core"
    label = "core"
