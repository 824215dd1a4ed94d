from django.apps import AppConfig


class SearchConfig(AppConfig):
    """The search box in the header: companies and contacts in one page."""

    name = "lethe.search"
    label = "search"
