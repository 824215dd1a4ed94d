"""What `lethe dsr` and `lethe subject` share: the acting DPO, one-line errors, output."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from lethe.accounts.actions import actor_for
from lethe.accounts.models import User
from lethe.dsr import locate as finder
from lethe.dsr.models import Request
from lethe.vault.policy import Actor, Role


def add_actor(parser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="EMAIL",
        required=True,
        help="the DPO (a user holding the dpo role) who acts",
    )


def acting_user(email: str) -> User:
    """Return the active user with this e-mail address, who must hold the dpo role."""
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        raise CommandError(f"--as: no active user {email}")
    if Role.DPO not in user.roles:
        raise CommandError(f"--as: {user.email} does not hold the dpo role")
    return user


def actor(user: User, request: Request | None = None, case: str | None = None) -> Actor:
    """The user's actor; working on a request puts them in its case."""
    return actor_for(user, case=request.case if request else case)


def request_by_id(ident: int) -> Request:
    found = Request.objects.filter(pk=ident).first()
    if found is None:
        raise CommandError(f"no request {ident}")
    return found


def day(value: str | None, option: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: use a date such as 2026-01-31") from None


def failed(
    exc: ValidationError, options: Iterable[str] = (), aliases: dict[str, str] | None = None
) -> CommandError:
    """Return a one-line CommandError naming the field (as its option where there is one)."""
    field, messages = next(iter(exc.message_dict.items()))
    if aliases and field in aliases:
        name = aliases[field]
    else:
        name = f"--{field.replace('_', '-')}" if field in set(options) else field
    return CommandError(f"{name}: {' '.join(messages)}")


def holdings_lines(items: list[finder.Item], indent: str = "    ") -> list[str]:
    """Return one line per item: kind, id, relation and detail."""
    return [
        f"{indent}{i.kind} {i.id}  {i.relation}" + (f"  {i.detail}" if i.detail else "")
        for i in items
    ]


def counts_text(items: list[finder.Item]) -> str:
    found = finder.counts(items)
    return ", ".join(f"{n} {kind}" for kind, n in found.items()) or "nothing held"
