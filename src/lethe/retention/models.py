"""Retention policies, and runs that carry them out (resumable)."""

from django.db import models
from django.utils import timezone


class Policy(models.Model):
    """Erase records of a kind a number of months after an event (see lethe.retention.rules)."""

    class Rule(models.TextChoices):
        LEAD_INACTIVE = "lead_inactive", "a lead with no activity for"
        FORMER_CUSTOMER = "former_customer", "a former customer, after their last deal, for"
        ACTIVITY_AGE = "activity_age", "an activity, after it happened, for"

    key = models.SlugField(max_length=64, unique=True)
    rule = models.CharField(max_length=32, choices=Rule.choices)
    record_kind = models.CharField(max_length=32)
    categories = models.JSONField(default=list)
    months = models.PositiveIntegerField()
    description = models.TextField()
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "policies"

    def __str__(self):
        return f"{self.key}: {self.months} months"


class Run(models.Model):
    """One retention run: the targets fixed at its start, and those already done.

    A run that stops halfway (a crash, a killed worker) is resumed by the next run,
    which finishes these targets before planning anew.
    """

    as_of = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    targets = models.JSONField(default=list)  # [[kind, id, policy key], ...]
    done = models.JSONField(default=list)  # ["kind:id", ...]
    started_by = models.CharField(max_length=160)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"retention run {self.pk} as of {self.as_of:%Y-%m-%d}"
