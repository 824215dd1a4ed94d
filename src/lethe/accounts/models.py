"""Users and role grants. A user's roles decide what the vault's gate lets them read."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from lethe.vault.policy import Role

USER_ROLES = [(r.value, r.value) for r in Role if r is not Role.SYSTEM]


class UserManager(BaseUserManager):
    """Create users keyed by e-mail."""

    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person who works with Lethe; logs in with e-mail and password."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self):
        return self.display_name or self.email

    @property
    def roles(self) -> frozenset[Role]:
        """Return the roles this user holds."""
        return frozenset(Role(r) for r in self.role_grants.values_list("role", flat=True))


class RoleGrant(models.Model):
    """A role held by a user; granting one is an audited action."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=16, choices=USER_ROLES)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")]

    def __str__(self):
        return f"{self.user} is {self.role}"
