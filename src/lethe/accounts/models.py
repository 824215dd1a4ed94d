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


class ApiToken(models.Model):
    """A bearer token for the API, acting as its user with the user's roles.

    Only a SHA-256 digest of the token is stored (the token is 256 random bits, so a
    plain digest cannot be reversed by guessing); the token itself is shown once.
    Scopes per area come with the accounts and roles work.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="the token's first characters, to tell it")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # What the token may do, within its user's roles: "all", or "<area>:read" and
    # "<area>:write" (write includes read) for areas of the API such as "contacts".
    scopes = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"token {self.prefix}… of {self.user_id}"


class Team(models.Model):
    """A group of users who share ownership: members read each other's owned records."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class LoginThrottle(models.Model):
    """Failed log-ins counted for one (account, address) pair or for one address.

    `key` is a keyed digest (lethe.accounts.throttle), never the e-mail or the address
    themselves: both are personal data. Rows live in the database so that every
    worker process sees the same counts.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.failures} failures for {self.key[:8]}…"


class RecoveryCode(models.Model):
    """A single-use code that stands in for the TOTP code when the device is lost.

    Only a SHA-256 digest is kept (the code is 80 random bits, shown once).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"recovery code of {self.user_id}"
