"""What the consent app does when a contact is deleted or merged (registered in apps.py)."""

from __future__ import annotations

from lethe.consent import ledger
from lethe.consent.models import ListMember
from lethe.vault.policy import Actor, Role


def forget_deleted_contact(contact) -> None:
    """Deleting a contact erases the person: their ledger rows go with them."""
    ledger.forget([contact.subject_id], actor=Actor.system("delete"))


def move_merged_consents(kept, merged) -> None:
    """Carry the merged contact's consents and list places over to the kept contact."""
    taken = ListMember.objects.filter(contact=kept).values("marketing_list")
    ListMember.objects.filter(contact=merged).exclude(marketing_list__in=taken).update(contact=kept)
    ListMember.objects.filter(contact=merged).delete()
    mover = Actor("system", "merge", frozenset({Role.SYSTEM}))
    ledger.carry_over(mover, kept.subject, merged.subject)
