from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    """Calls, e-mails, meetings, tasks and notes; their text is sealed in the vault."""

    name = "lethe.activities"
    label = "activities"
