"""When each periodic job is next due; shared by every worker through the database."""

from django.db import models


class Schedule(models.Model):
    """One periodic job: a worker that finds it due enqueues it once and moves it on."""

    name = models.CharField(max_length=64, unique=True)
    every_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} every {self.every_seconds} s"
