"""Pipelines, their stages, and deals moving through them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.core.models import Tag


class Pipeline(models.Model):
    """A sales process; an admin edits its stages."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Stage(models.Model):
    """One step of a pipeline; won and lost stages close a deal."""

    class Kind(models.TextChoices):
        OPEN = "open"
        WON = "won"
        LOST = "lost"

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.OPEN)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name")
        ]

    def __str__(self):
        return f"{self.pipeline}: {self.name}"


class Deal(models.Model):
    """A possible sale to a company, with the people involved in it."""

    class LostReason(models.TextChoices):
        """Why a deal was lost; a closed list, so no free text about people lands here."""

        PRICE = "price"
        COMPETITOR = "competitor"
        TIMING = "timing"
        NO_BUDGET = "no_budget"
        NO_DECISION = "no_decision"
        REQUIREMENTS = "requirements"
        OTHER = "other"

    title = models.CharField(max_length=200)
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    contacts = models.ManyToManyField(Contact, through="DealContact", related_name="deals")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="SEK")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    expected_close = models.DateField(null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="empty: the stage's probability",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    lost_reason = models.CharField(max_length=16, choices=LostReason.choices, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="deals")
    closed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pipeline", "stage"], name="deal_pipeline_stage")]

    def __str__(self):
        return self.title


class DealContact(models.Model):
    """A contact's part in a deal (decision maker, champion, ...)."""

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker"
        CHAMPION = "champion"
        INFLUENCER = "influencer"
        USER = "user"
        OTHER = "other"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OTHER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "contact"], name="dealcontact_once")]

    def __str__(self):
        return f"{self.contact_id} in {self.deal_id} ({self.role})"
