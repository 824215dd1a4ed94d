from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    """Calls, e-mails, meetings, tasks and notes; their text is sealed in the vault."""

    name = "lethe.activities"
    label = "activities"

    def ready(self):
        from lethe.activities.merging import move_activities
        from lethe.contacts.merge import on_merge

        on_merge(move_activities)
