"""Facts about this installation's data, kept in the main database itself."""

from django.db import models


class Installation(models.Model):
    """The one row saying what kind of data this database holds (SPEC I5).

    A database made by `lethe init` outside production, by `lethe demo` or by
    `lethe clone --anonymize` is marked synthetic or anonymised; one made in
    production is marked production, and development mode refuses to run on it.
    """

    class DataKind(models.TextChoices):
        SYNTHETIC = "synthetic"
        ANONYMISED = "anonymised"
        PRODUCTION = "production"

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    data_kind = models.CharField(max_length=16, choices=DataKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_installation")]

    def __str__(self):
        return f"installation ({self.data_kind})"


class Tag(models.Model):
    """A label on companies, contacts and deals (business data, never personal)."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RecordKeyLink(models.Model):
    """Which vault record key seals the texts and files of one business record.

    Created on first use (lethe.core.records.keys_for); a company, deal or activity
    without notes or files has none.
    """

    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    key = models.OneToOneField("vault.RecordKey", on_delete=models.PROTECT, related_name="link")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="recordkeylink_once")
        ]

    def __str__(self):
        return f"key of {self.kind} {self.object_id}"


class Change(models.Model):
    """One changed business field of a record: who, when, from what to what.

    Only non-personal values are kept here. A personal field's old value is kept
    sealed by the vault under the person's key (lethe.vault.models.PersonalHistory).
    """

    record_kind = models.CharField(max_length=32)
    record_id = models.BigIntegerField()
    field = models.CharField(max_length=64)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=160)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["record_kind", "record_id", "changed_at"], name="change_record")
        ]

    def __str__(self):
        return f"{self.field} of {self.record_kind} {self.record_id}"
