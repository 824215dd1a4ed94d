from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs: the database task queue, the schedule and `lethe worker`."""

    name = "lethe.jobs"
    label = "jobs"

    def ready(self):
        from lethe.jobs import tasks  # noqa: F401  (registers the periodic jobs)
