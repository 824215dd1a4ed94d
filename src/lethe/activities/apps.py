from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    """Calls, e-mails, meetings, tasks and notes; their text is sealed in the vault."""

    name = "lethe.activities"
    label = "activities"

    def ready(self):
        from lethe.activities.merging import move_activities
        from lethe.contacts.merge import on_merge

        on_merge(move_activities)

        from lethe.activities.merging import delete_activities_of
        from lethe.contacts.deletion import on_delete

        on_delete(delete_activities_of)
