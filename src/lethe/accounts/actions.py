"""Write path for users and roles: each action is atomic and audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from lethe.accounts.models import RoleGrant, Team, User
from lethe.audit import log
from lethe.audit.models import Action
from lethe.vault.policy import Actor, Purpose, Role


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


def _team_event(actor: Actor, action: Action, team: Team, **detail) -> None:
    log.record(
        actor,
        action,
        record_kind="team",
        record_id=team.pk,
        purpose=Purpose.ADMINISTRATION,
        detail={"name": team.name, **detail},
    )


@transaction.atomic
def create_team(actor: Actor, name: str) -> Team:
    """Create an empty team; raise ValidationError naming `name` if it is bad or taken."""
    team = Team(name=_team_name(name))
    team.save()
    _team_event(actor, Action.CREATE, team)
    return team


@transaction.atomic
def rename_team(actor: Actor, team: Team, name: str) -> Team:
    """Give a team a new name."""
    old, team.name = team.name, _team_name(name, team)
    team.save(update_fields=["name"])
    _team_event(actor, Action.UPDATE, team, was=old)
    return team


@transaction.atomic
def delete_team(actor: Actor, team: Team) -> None:
    """Remove a team; its members keep their records but no longer share them."""
    _team_event(actor, Action.DELETE, team)
    team.delete()


@transaction.atomic
def set_membership(actor: Actor, team: Team, user: User, member: bool) -> None:
    """Add `user` to `team` (member=True) or take them out."""
    if member:
        team.members.add(user)
    else:
        team.members.remove(user)
    _team_event(actor, Action.UPDATE, team, user=user.pk, member=member)


def _team_name(name, team: Team | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"name": "give the team a name"})
    name = name.strip()
    if len(name) > 100:
        raise ValidationError({"name": "at most 100 characters"})
    taken = Team.objects.filter(name__iexact=name)
    if team is not None:
        taken = taken.exclude(pk=team.pk)
    if taken.exists():
        raise ValidationError({"name": "a team with this name exists"})
    return name
