"""Contacts. Everything that identifies the person is in the vault, under their subject."""

from django.conf import settings
from django.db import models

from lethe.companies.models import Company
from lethe.core.models import Tag
from lethe.vault.models import Subject

# The personal fields a contact has, all kept in the vault (lethe.vault.fields).
PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "identity_number",
    "birth_date",
    "job_title",
    "notes",
)


class Contact(models.Model):
    """A person we deal with: their company, owner, stage and where their data came from."""

    class Stage(models.TextChoices):
        LEAD = "lead"
        PROSPECT = "prospect"
        CUSTOMER = "customer"
        FORMER_CUSTOMER = "former_customer"

    class Source(models.TextChoices):
        """How we obtained the person's data (GDPR Art. 14 and 15(1)(g))."""

        FROM_PERSON = "from_person", "given by the person"
        WEB_FORM = "web_form", "web form"
        EVENT = "event", "event or fair"
        REFERRAL = "referral", "referral"
        IMPORT = "import", "import"
        PUBLIC_SOURCE = "public_source", "public source"
        PURCHASED_LIST = "purchased_list", "purchased list"
        OTHER = "other", "other"

    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="contact")
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    past_companies = models.ManyToManyField(Company, blank=True, related_name="past_contacts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.LEAD)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.FROM_PERSON)
    obtained_at = models.DateField(help_text="when we obtained the person's data")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "stage"], name="contact_owner_stage"),
            # The list's default order (newest first) without sorting the table.
            models.Index(fields=["-created_at", "-id"], name="contact_newest"),
        ]

    def __str__(self):
        return f"contact {self.pk} ({self.subject_id})"
