"""Write path for users and roles: each action is atomic and audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from lethe.accounts.models import RoleGrant, Team, User
from lethe.audit import log
from lethe.audit.models import Action
from lethe.core.clientaddr import client_address
from lethe.vault.policy import Actor, Purpose, Role


def actor_for(user: User, *, case: str | None = None, request=None) -> Actor:
    """Return the gate's Actor for a logged-in user, inside the case they chose (if any)."""
    if case is None and request is not None:
        from lethe.dsr import cases

        case = cases.chosen(request)
    return Actor(
        "user",
        str(user.pk),
        user.roles,
        case=case,
        request_id=getattr(request, "request_id", "") if request else "",
        client_addr=client_address(request),
    )


@transaction.atomic
def create_user(
    actor: Actor,
    email: str,
    password: str,
    roles: set[Role],
    display_name: str = "",
    *,
    granted_by: User | None = None,
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
        RoleGrant.objects.create(user=user, role=Role(role), granted_by=granted_by)
        log.record(
            actor,
            Action.ROLE_GRANT,
            record_kind="user",
            record_id=user.pk,
            detail={"role": str(role), "granted": True},
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


def _other_active_admins(user: User) -> bool:
    """Return whether an active admin other than `user` exists, locking the active admins.

    The lock (on PostgreSQL; SQLite's write transaction already serialises) keeps two
    admins who take each other's role, or deactivate each other, at the same moment
    from leaving no admin at all.
    """
    admins = RoleGrant.objects.filter(role=Role.ADMIN).values("user_id")
    active = User.objects.select_for_update().filter(pk__in=admins, is_active=True)
    return any(pk != user.pk for pk in active.values_list("pk", flat=True))


@transaction.atomic
def set_roles(actor: Actor, user: User, roles: set[Role], *, granted_by: User | None) -> User:
    """Give `user` exactly `roles`; each grant and each withdrawal is a ROLE_GRANT event.

    Refuse taking the admin role from the last active admin (nobody could manage users).
    """
    roles = {Role(r) for r in roles}
    if Role.SYSTEM in roles:
        raise ValidationError({"roles": "the system role is Lethe's own"})
    held = set(user.roles)
    if Role.ADMIN in held - roles and user.is_active and not _other_active_admins(user):
        raise ValidationError({"roles": "this is the last active admin: keep the admin role"})
    for role in sorted(roles - held):
        RoleGrant.objects.create(user=user, role=role, granted_by=granted_by)
        log.record(
            actor,
            Action.ROLE_GRANT,
            record_kind="user",
            record_id=user.pk,
            purpose=Purpose.ADMINISTRATION,
            detail={"role": str(role), "granted": True},
        )
    for role in sorted(held - roles):
        RoleGrant.objects.filter(user=user, role=role).delete()
        log.record(
            actor,
            Action.ROLE_GRANT,
            record_kind="user",
            record_id=user.pk,
            purpose=Purpose.ADMINISTRATION,
            detail={"role": str(role), "granted": False},
        )
    from lethe.accounts import second_factor

    if (roles - held) & second_factor.REQUIRED_FOR and second_factor.device_of(user) is None:
        # The new role needs a second factor the user has not set up: their current
        # sessions end, so the next log-in asks them to enrol first.
        _end_sessions(user)
    return user


def _end_sessions(user: User) -> int:
    """Delete the user's live sessions; return how many."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now())
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _hand_over_requests(user: User, successor: User) -> int:
    """Give the user's open data-subject requests to the successor if a DPO, else to nobody.

    Only a DPO acts on requests, so for any other successor they wait unassigned for
    the next DPO to take them.
    """
    from lethe.dsr.models import Request

    open_requests = Request.objects.filter(assignee=user).exclude(status__in=Request.CLOSED)
    return open_requests.update(assignee=successor if Role.DPO in successor.roles else None)


@transaction.atomic
def deactivate_user(actor: Actor, user: User, successor: User, *, by: User | None) -> dict:
    """Stop `user` signing in, end their sessions and tokens, and give their records away.

    Contacts, companies, deals and activities they own go to `successor`, an active
    user, and so do their open data-subject requests if the successor is a DPO (else
    those wait unassigned); their open break-glass access ends. Nothing of theirs is
    deleted. Refuse deactivating yourself or the last active admin. Return the
    counts of what changed.
    """
    from django.utils import timezone

    from lethe.activities.models import Activity
    from lethe.companies.models import Company
    from lethe.contacts.models import Contact
    from lethe.deals.models import Deal

    user = User.objects.select_for_update().get(pk=user.pk)
    if by is not None and by.pk == user.pk:
        raise ValidationError({"user": "you cannot deactivate yourself"})
    if not user.is_active:
        raise ValidationError({"user": "this user is already inactive"})
    if successor.pk == user.pk or not successor.is_active:
        raise ValidationError({"successor": "choose another active user to take the records"})
    if Role.ADMIN in user.roles and not _other_active_admins(user):
        raise ValidationError({"user": "this is the last active admin"})
    user.is_active = False
    user.save(update_fields=["is_active"])
    counts = {
        kind: model.objects.filter(owner=user).update(owner=successor)
        for kind, model in (
            ("contacts", Contact),
            ("companies", Company),
            ("deals", Deal),
            ("activities", Activity),
        )
    }
    counts["tokens"] = user.api_tokens.filter(revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    counts["sessions"] = _end_sessions(user)
    counts["requests"] = _hand_over_requests(user, successor)
    from lethe.dsr import breakglass

    counts["break_glass"] = breakglass.end_all_for(actor, user)
    log.record(
        actor,
        Action.UPDATE,
        record_kind="user",
        record_id=user.pk,
        purpose=Purpose.ADMINISTRATION,
        detail={"active": False, "successor": successor.pk, **counts},
    )
    return counts


@transaction.atomic
def reactivate_user(actor: Actor, user: User) -> User:
    """Let a deactivated user sign in again (their old records stay with the successor)."""
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        log.record(
            actor,
            Action.UPDATE,
            record_kind="user",
            record_id=user.pk,
            purpose=Purpose.ADMINISTRATION,
            detail={"active": True},
        )
    return user
