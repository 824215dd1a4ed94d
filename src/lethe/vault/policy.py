"""Who may read or write which categories of personal data, for which purpose (SPEC roles).

The role table below is the single source of these rules. Conditions that depend on
other parts of the CRM (who owns a record, who has consented, which cases are open)
are answered by a `Relations` object; until those parts exist the default answers
"nobody", which is the least-privileged choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from lethe.vault.fields import Category

DEFAULT_SCOPE = "default"
HOLD_PREFIX = "hold:"


class Purpose(StrEnum):
    """Purposes of processing that a read or write must declare."""

    CUSTOMER_RELATIONSHIP = "customer_relationship"
    CUSTOMER_SUPPORT = "customer_support"
    DIRECT_MARKETING = "direct_marketing"
    LEGAL_OBLIGATION = "legal_obligation"
    DATA_SUBJECT_REQUEST = "data_subject_request"
    BREACH_INVESTIGATION = "breach_investigation"
    ACCOUNTABILITY = "accountability"
    ADMINISTRATION = "administration"


class Role(StrEnum):
    """Roles of SPEC; `system` is for Lethe's own jobs (demo data, imports, retention)."""

    SALES = "sales"
    SUPPORT = "support"
    MARKETING = "marketing"
    FINANCE = "finance"
    DPO = "dpo"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SYSTEM = "system"


class Condition(StrEnum):
    """What must also hold for a grant to apply to a subject."""

    NONE = "none"
    OWNED = "owned"  # the actor or their team owns the subject's record
    CONSENTED = "consented"  # the subject has an active consent for the purpose
    IN_CASE = "in_case"  # the actor works inside an open request or breach case


class ScopeKind(StrEnum):
    DEFAULT = "default"
    HOLD = "hold"  # data kept under a legal hold (SPEC I4)
    ANY = "any"


@dataclass(frozen=True)
class Grant:
    """A role may use these categories for this purpose, under a condition, in these scopes."""

    purpose: Purpose
    categories: frozenset[Category]
    condition: Condition = Condition.NONE
    scopes: ScopeKind = ScopeKind.DEFAULT


ALL_CATEGORIES = frozenset(Category)
C = Category

ROLE_TABLE: dict[Role, tuple[Grant, ...]] = {
    Role.SALES: (
        Grant(
            Purpose.CUSTOMER_RELATIONSHIP,
            frozenset({C.NAME, C.EMAIL, C.PHONE, C.JOB_TITLE, C.CONTENT}),
            Condition.OWNED,
        ),
    ),
    Role.SUPPORT: (
        Grant(
            Purpose.CUSTOMER_SUPPORT,
            frozenset({C.NAME, C.EMAIL, C.PHONE, C.CONTENT}),
            Condition.OWNED,
        ),
    ),
    Role.MARKETING: (
        Grant(Purpose.DIRECT_MARKETING, frozenset({C.NAME, C.EMAIL}), Condition.CONSENTED),
    ),
    Role.FINANCE: (
        Grant(Purpose.LEGAL_OBLIGATION, ALL_CATEGORIES, Condition.NONE, ScopeKind.HOLD),
    ),
    Role.DPO: (
        Grant(Purpose.DATA_SUBJECT_REQUEST, ALL_CATEGORIES, Condition.IN_CASE, ScopeKind.ANY),
        Grant(Purpose.BREACH_INVESTIGATION, ALL_CATEGORIES, Condition.IN_CASE, ScopeKind.ANY),
    ),
    Role.AUDITOR: (),
    Role.ADMIN: (),
    Role.SYSTEM: (),
}

# Lethe's own jobs write (demo data, imports, legal-hold copies) but read nothing.
SYSTEM_WRITES = frozenset(Purpose) - {Purpose.ACCOUNTABILITY, Purpose.ADMINISTRATION}


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, an API token or a system job, with roles and an optional case."""

    kind: str
    ident: str
    roles: frozenset[Role]
    case: str | None = None
    request_id: str = ""
    client_addr: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.ident}"

    @classmethod
    def system(cls, job: str) -> Actor:
        """Return the actor for one of Lethe's own jobs."""
        return cls("system", job, frozenset({Role.SYSTEM}))


class Relations(Protocol):
    """Answers the conditions of grants, each for a whole batch of subjects at once."""

    def owned(self, actor: Actor, subjects: set[UUID]) -> set[UUID]: ...

    def consented(self, subjects: set[UUID], purpose: Purpose) -> set[UUID]: ...

    def case_open(self, actor: Actor) -> bool: ...

    def case_subjects(self, actor: Actor, subjects: set[UUID]) -> set[UUID]: ...


class NoRelations:
    """Nobody owns, nobody consented, no case is open: the least-privileged default."""

    def owned(self, actor, subjects):
        return set()

    def consented(self, subjects, purpose):
        return set()

    def case_open(self, actor):
        return False

    def case_subjects(self, actor, subjects):
        return set()


_relations: Relations = NoRelations()


def set_relations(relations: Relations) -> Relations:
    """Install the object that answers grant conditions; return the previous one."""
    global _relations
    previous, _relations = _relations, relations
    return previous


def scope_kind(scope: str) -> ScopeKind:
    if scope == DEFAULT_SCOPE:
        return ScopeKind.DEFAULT
    if scope.startswith(HOLD_PREFIX) and len(scope) > len(HOLD_PREFIX):
        return ScopeKind.HOLD
    raise ValueError(f"unknown key scope {scope!r}")


class Decision:
    """Which categories the actor may use, per subject, for one purpose and scope."""

    def __init__(
        self,
        actor: Actor,
        purpose: Purpose,
        scope: str,
        subjects: Iterable[UUID],
        *,
        new_subjects: bool = False,
    ):
        purpose = Purpose(purpose)
        kind = scope_kind(scope)
        subjects = set(subjects)
        self._all: set[Category] = set()
        self._some: list[tuple[frozenset[Category], set[UUID]]] = []
        for role in sorted(actor.roles):
            for grant in ROLE_TABLE.get(role, ()):
                if grant.purpose != purpose or grant.scopes not in (kind, ScopeKind.ANY):
                    continue
                if grant.condition is Condition.NONE or (
                    new_subjects and grant.condition is Condition.OWNED
                ):
                    self._all |= grant.categories
                elif grant.condition is Condition.IN_CASE:
                    if actor.case:
                        self._some.append(
                            (grant.categories, _relations.case_subjects(actor, subjects))
                        )
                elif grant.condition is Condition.OWNED:
                    self._some.append((grant.categories, _relations.owned(actor, subjects)))
                else:
                    self._some.append((grant.categories, _relations.consented(subjects, purpose)))

    def allowed(self, subject: UUID) -> set[Category]:
        """Return the categories the actor may use for this subject."""
        allowed = set(self._all)
        for categories, subjects in self._some:
            if subject in subjects:
                allowed |= categories
        return allowed


# The purpose a role works under when a request does not name one.
DEFAULT_PURPOSES = {
    Role.SALES: Purpose.CUSTOMER_RELATIONSHIP,
    Role.SUPPORT: Purpose.CUSTOMER_SUPPORT,
    Role.MARKETING: Purpose.DIRECT_MARKETING,
    Role.FINANCE: Purpose.LEGAL_OBLIGATION,
    Role.DPO: Purpose.DATA_SUBJECT_REQUEST,
    Role.AUDITOR: Purpose.ACCOUNTABILITY,
    Role.ADMIN: Purpose.ADMINISTRATION,
}


def default_purpose(actor: Actor) -> Purpose:
    """Return the purpose of the actor's first role in the order of the role table."""
    for role in DEFAULT_PURPOSES:
        if role in actor.roles:
            return DEFAULT_PURPOSES[role]
    return Purpose.ADMINISTRATION


def may_write(
    actor: Actor,
    purpose: Purpose,
    scope: str,
    subjects: Iterable[UUID],
    categories: set[Category],
    *,
    new_subjects: bool = False,
) -> bool:
    """Return whether the actor may write these categories for every one of the subjects."""
    subjects = list(subjects)
    if Role.SYSTEM in actor.roles and Purpose(purpose) in SYSTEM_WRITES:
        scope_kind(scope)
        return True
    decision = Decision(actor, purpose, scope, subjects, new_subjects=new_subjects)
    return all(categories <= decision.allowed(s) for s in subjects)


def may_identify(actor: Actor, purpose: Purpose) -> bool:
    """Return whether the actor may learn which subjects match an identifier, whoever they are.

    A DPO inside an open case locates the people a request or breach is about, and
    Lethe's own jobs check for duplicates: the gate tells them pseudonyms only, never
    values, and each look-up is audited. Only subjects then linked to a case become
    readable to the DPO.
    """
    if Role.SYSTEM in actor.roles:
        return True
    return (
        Role.DPO in actor.roles
        and Purpose(purpose) in (Purpose.DATA_SUBJECT_REQUEST, Purpose.BREACH_INVESTIGATION)
        and bool(actor.case)
        and _relations.case_open(actor)
    )


def may_shred(actor: Actor) -> bool:
    """Erasure is done by Lethe's own jobs or by a DPO inside an open case."""
    if Role.SYSTEM in actor.roles:
        return True
    return Role.DPO in actor.roles and bool(actor.case) and _relations.case_open(actor)
