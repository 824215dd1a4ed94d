from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Public pages where a person makes and follows a data-subject request, no account."""

    name = "lethe.portal"
    label = "portal"
