"""Write path for users and roles: each action is atomic and audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from lethe.accounts.models import RoleGrant, User
from lethe.audit import log
from lethe.audit.models import Action
from lethe.vault.policy import Actor, Role


def actor_for(user: User, *, case: str | None = None, request=None) -> Actor:
    """Return the gate's Actor for a logged-in user."""
    return Actor(
        "user",
        str(user.pk),
        user.roles,
        case=case,
        request_id=getattr(request, "request_id", "") if request else "",
        client_addr=request.META.get("REMOTE_ADDR", "") if request else "",
    )


@transaction.atomic
def create_user(
    actor: Actor, email: str, password: str, roles: set[Role], display_name: str = ""
) -> User:
    """Create a user with these roles; raise ValidationError naming the bad field."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "enter a valid e-mail address"}) from None
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "a user with this e-mail address exists"})
    candidate = User(email=email, display_name=display_name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user = User.objects.create_user(email, password, display_name=display_name)
    for role in sorted(roles):
        RoleGrant.objects.create(user=user, role=Role(role))
        log.record(
            actor,
            Action.ROLE_GRANT,
            record_kind="user",
            record_id=user.pk,
            detail={"role": str(role)},
        )
    return user
