"""Contacts, companies, deals and activities take attachments: their registrations."""

from __future__ import annotations

from lethe.attachments.registry import Record, register
from lethe.vault.policy import Actor


def contact(actor: Actor, object_id: int) -> Record | None:
    """A contact's files are the person's: sealed under their key, read as user.content."""
    from lethe.contacts.api import READERS, WRITERS
    from lethe.contacts.models import Contact

    found = Contact.objects.select_related("subject").filter(pk=object_id).first()
    if found is None:
        return None
    return Record("contact", found.pk, found, frozenset(READERS), frozenset(WRITERS), found.subject)


def company(actor: Actor, object_id: int) -> Record | None:
    """A company's files follow the company API's rules."""
    from lethe.companies.api import READERS, WRITERS
    from lethe.companies.models import Company

    found = Company.objects.filter(pk=object_id).first()
    if found is None:
        return None
    return Record("company", found.pk, found, frozenset(READERS), frozenset(WRITERS))


def deal(actor: Actor, object_id: int) -> Record | None:
    """A deal's files follow the deal API's rules."""
    from lethe.deals.api import READERS, WRITERS
    from lethe.deals.models import Deal

    found = Deal.objects.filter(pk=object_id).first()
    if found is None:
        return None
    return Record("deal", found.pk, found, frozenset(READERS), frozenset(WRITERS))


def activity(actor: Actor, object_id: int) -> Record | None:
    """An activity's files: the person's when it is about a contact (sealed under their
    key), else under the activity's own record key; the activities API's rules."""
    from lethe.activities.api import READERS, WRITERS
    from lethe.activities.models import Activity

    found = Activity.objects.select_related("contact__subject").filter(pk=object_id).first()
    if found is None:
        return None
    subject = found.contact.subject if found.contact_id else None
    return Record("activity", found.pk, found, frozenset(READERS), frozenset(WRITERS), subject)


def register_crm_records() -> None:
    register("contact", contact, page="contacts:detail")
    register("company", company, page="companies:detail")
    # The deal page is being built; until "deals:detail" exists the pages go back to
    # the page the form was on.
    register("deal", deal, page="deals:detail")
    register("activity", activity)
