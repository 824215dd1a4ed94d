"""Custom field definitions and the values of the non-personal ones."""

from django.db import models

from lethe.vault.fields import Category
from lethe.vault.policy import Purpose


class CustomField(models.Model):
    """A field an admin adds to one kind of record.

    A personal field (only contacts have them: a person's data lives under their key)
    declares its data category and purpose, and its values are kept in the vault as
    the personal field `cf.<key>`. Type, entity, key and category cannot change once
    the field exists, because stored values depend on them.
    """

    class Entity(models.TextChoices):
        CONTACT = "contact"
        COMPANY = "company"
        DEAL = "deal"

    class Type(models.TextChoices):
        TEXT = "text"
        NUMBER = "number"
        DATE = "date"
        CHOICE = "choice"
        BOOLEAN = "boolean"

    entity = models.CharField(max_length=16, choices=Entity.choices)
    key = models.SlugField(max_length=40, help_text="name in the API: lower case, digits, _")
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=8, choices=Type.choices)
    choices = models.JSONField(default=list, blank=True)
    personal = models.BooleanField(default=False)
    category = models.CharField(
        max_length=64, choices=[(c.value, c.value) for c in Category], blank=True
    )
    purpose = models.CharField(
        max_length=64, choices=[(p.value, p.value) for p in Purpose], blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="customfield_unique_key")
        ]

    def __str__(self):
        return f"{self.entity}.{self.key}"

    @property
    def vault_name(self) -> str:
        """The personal field's name in the vault."""
        return f"cf.{self.key}"


class CustomValue(models.Model):
    """The value of a non-personal custom field for one record."""

    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    object_id = models.BigIntegerField()
    value = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "object_id"], name="customvalue_once")
        ]

    def __str__(self):
        return f"{self.field} of {self.object_id}"
