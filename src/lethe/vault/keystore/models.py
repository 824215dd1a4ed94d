"""Key material at rest: data keys wrapped by the master key (never in the main database)."""

from django.db import models


class DataKey(models.Model):
    """One subject's data key for one scope, wrapped with a version of the KEK.

    A shredded key keeps its row as a tombstone (wrapped is NULL, shredded_at set),
    so the keystore itself records that the key existed and was destroyed.
    """

    subject = models.UUIDField()
    scope = models.CharField(max_length=64)
    kek_version = models.PositiveIntegerField(null=True)
    wrapped = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "scope"], name="datakey_one_per_scope"),
            models.CheckConstraint(
                condition=(models.Q(wrapped__isnull=True, shredded_at__isnull=False))
                | (models.Q(wrapped__isnull=False, shredded_at__isnull=True)),
                name="datakey_wrapped_xor_shredded",
            ),
        ]
        indexes = [models.Index(fields=["kek_version"], name="datakey_kek_version")]

    def __str__(self):
        return f"data key {self.subject}/{self.scope}"


class Rotation(models.Model):
    """A KEK rotation: every data key rewrapped to `version`; unfinished ones resume."""

    version = models.PositiveIntegerField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    rewrapped = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"rotation to KEK v{self.version}"
