from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    """Companies: legal persons, so business data rather than personal data."""

    name = "lethe.companies"
    label = "companies"
