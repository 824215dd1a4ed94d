"""Companies: legal persons. Nothing here is personal data; people live in the vault."""

from django.conf import settings
from django.db import models

from lethe.core.models import Tag


class Company(models.Model):
    """A customer, prospect or partner organisation."""

    class Size(models.TextChoices):
        MICRO = "1-9"
        SMALL = "10-49"
        MEDIUM = "50-249"
        LARGE = "250+"

    name = models.CharField(max_length=200)
    org_number = models.CharField("organisation number", max_length=11, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, default="SE")
    industry = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=8, choices=Size.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="companies",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_number"],
                condition=~models.Q(org_number=""),
                name="company_unique_org_number",
            )
        ]
        indexes = [models.Index(fields=["name"], name="company_name")]

    def __str__(self):
        return self.name
