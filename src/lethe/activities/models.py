"""Activities: what happened with whom and when. Their free text is a sealed vault Document.

The text of an activity about a person is sealed under that person's key; otherwise
under the record key of its deal or, failing that, its company. People named in an
activity (its contact, its participants and everyone @mentioned in its text) are
stored as links to their vault subjects, so a request about a person finds them all
(`lethe.activities.queries.naming`).
"""

from django.conf import settings
from django.db import models

from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.deals.models import Deal
from lethe.vault.models import Document, Subject


class Activity(models.Model):
    """A call, e-mail, meeting, task or note, linked to a contact, a company or a deal."""

    class Kind(models.TextChoices):
        CALL = "call"
        EMAIL = "email", "e-mail"
        MEETING = "meeting"
        TASK = "task"
        NOTE = "note"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    occurred_at = models.DateTimeField(help_text="when it happened (or was planned)")
    due_date = models.DateField(null=True, blank=True, help_text="tasks only")
    done_at = models.DateTimeField(null=True, blank=True, help_text="tasks only")
    # PROTECT: an activity about a person goes through delete_activity, which also
    # removes its sealed text; it never disappears silently with the contact row.
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="activities"
    )
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    body = models.OneToOneField(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="activity"
    )
    participants = models.ManyToManyField(
        Subject, through="ActivityParticipant", related_name="+", blank=True
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "occurred_at"], name="activity_contact_time"),
            models.Index(fields=["company", "occurred_at"], name="activity_company_time"),
            models.Index(fields=["deal", "occurred_at"], name="activity_deal_time"),
            models.Index(fields=["owner", "kind", "done_at", "due_date"], name="activity_tasks"),
        ]

    def __str__(self):
        return f"{self.kind} {self.pk}"

    @property
    def is_task(self) -> bool:
        return self.kind == self.Kind.TASK

    @property
    def is_open_task(self) -> bool:
        return self.is_task and self.done_at is None


class ActivityParticipant(models.Model):
    """A person who took part in an activity (by vault subject, never by name)."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participant_links"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "subject"], name="participant_once")
        ]
        indexes = [models.Index(fields=["subject"], name="participant_subject")]

    def __str__(self):
        return f"{self.subject_id} in {self.activity_id}"


class ActivityMention(models.Model):
    """A person @mentioned in an activity's text (the text holds a token, not the name)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="mention_links")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "subject"], name="mention_once")]
        indexes = [models.Index(fields=["subject"], name="mention_subject")]

    def __str__(self):
        return f"{self.subject_id} mentioned in {self.activity_id}"
