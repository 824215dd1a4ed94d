from django.apps import AppConfig


class DealsConfig(AppConfig):
    """Deals in pipelines of stages: business data, linked to companies and contacts."""

    name = "lethe.deals"
    label = "deals"
