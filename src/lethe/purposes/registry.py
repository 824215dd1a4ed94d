"""Reading the purposes registry: what other parts of Lethe call.

The Art. 15 report lists the purposes that apply to a person's data
(`for_categories`), the privacy notice and the records of processing list them all
(`all_purposes`), and both name the controller and its DPO (`organisation`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from lethe.purposes.models import Purpose


@dataclass(frozen=True)
class Organisation:
    """The controller and its data protection officer (business contact details)."""

    name: str
    contact: str
    dpo_contact: str
    configured: bool

    def as_dict(self) -> dict[str, str]:
        return {
            "controller_name": self.name,
            "controller_contact": self.contact,
            "dpo_contact": self.dpo_contact,
        }


def _or_unset(value: str, variable: str) -> str:
    return value or f"[not configured: set {variable}]"


def organisation() -> Organisation:
    """Return the controller and DPO as configured (LETHE_CONTROLLER_*, LETHE_DPO_CONTACT)."""
    config = settings.CONFIG
    return Organisation(
        name=_or_unset(config.controller_name, "LETHE_CONTROLLER_NAME"),
        contact=_or_unset(config.controller_contact, "LETHE_CONTROLLER_CONTACT"),
        dpo_contact=_or_unset(config.dpo_contact, "LETHE_DPO_CONTACT"),
        configured=all((config.controller_name, config.controller_contact, config.dpo_contact)),
    )


def all_purposes() -> list[Purpose]:
    """Return every purpose in the registry, in their order."""
    return list(Purpose.objects.all())


def get(key: str) -> Purpose | None:
    """Return the purpose with this key (e.g. a lethe.vault.policy.Purpose value), or None."""
    return Purpose.objects.filter(key=str(key)).first()


def for_categories(categories: Iterable[str]) -> list[Purpose]:
    """Return the purposes that process any of these data categories, in their order."""
    wanted = {str(c) for c in categories}
    return [p for p in Purpose.objects.all() if wanted & set(p.data_categories)]
