"""Which records take attachments: each kind registers how to find a record and who may.

`register(kind, resolve)`: `resolve(actor, object_id)` returns the record as a
`Record` (who may read and write its files, and the person whose files they are, if
any), or None when there is no such record or the actor may not see it (404). The
contacts, companies and deals register in this app (kinds.py); other apps (activities)
register theirs in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Role


@dataclass(frozen=True)
class Record:
    """A record that takes attachments, as `resolve` found it for one actor.

    With `subject` set, the files are that person's personal data (category
    user.content, sealed under the person's key, read and written as the role table
    allows). Without it they are the record's business data, sealed under the
    record's own key and open to the record's readers.
    """

    kind: str
    object_id: int
    obj: Any
    readers: frozenset[Role]
    writers: frozenset[Role]
    subject: Subject | None = None

    def may_read(self, actor: Actor) -> bool:
        return bool(actor.roles & self.readers)

    def may_write(self, actor: Actor) -> bool:
        return bool(actor.roles & self.writers)


Resolver = Callable[[Actor, int], Record | None]

_kinds: dict[str, Resolver] = {}
_pages: dict[str, str] = {}


class UnknownRecord(LookupError):
    """No such kind, or no such record that the actor may see; `field` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def register(kind: str, resolve: Resolver, *, page: str | None = None) -> None:
    """Let records of `kind` take attachments (registering a kind again replaces it).

    `page` is the URL name of the record's page (one id argument): the pages return
    there after an upload or deletion.
    """
    if not kind.isidentifier() or len(kind) > 32:
        raise ValueError(f"a kind is a short identifier, not {kind!r}")
    _kinds[kind] = resolve
    if page:
        _pages[kind] = page
    else:
        _pages.pop(kind, None)


def unregister(kind: str) -> None:
    """Stop records of `kind` from taking attachments (for tests)."""
    _kinds.pop(kind, None)
    _pages.pop(kind, None)


def kinds() -> list[str]:
    return sorted(_kinds)


def page(kind: str) -> str | None:
    """Return the URL name of the page of a record of `kind`, if it has one."""
    return _pages.get(kind)


def resolve(actor: Actor, kind: str, object_id: int) -> Record:
    """Return the record, or raise UnknownRecord naming the field (kind or object_id)."""
    resolver = _kinds.get(kind)
    if resolver is None:
        raise UnknownRecord("kind", f"records of kind {kind!r} take no attachments")
    record = resolver(actor, object_id) if 0 < object_id < 2**63 else None
    if record is None:
        raise UnknownRecord("object_id", f"no {kind} {object_id}")
    return record
