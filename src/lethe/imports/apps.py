from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """CSV imports of contacts and companies: the shared engine, the command, the page."""

    name = "lethe.imports"
    label = "imports"
