"""The contact page's consent and marketing-list sections, and the form that records changes.

One form with one button for each state: recording a withdrawal takes exactly the
steps recording a grant does (Art. 7(3)).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.consent import actions, ledger, lists, notices
from lethe.consent.forms import StaffConsentForm
from lethe.consent.models import MarketingList, State
from lethe.contacts.api import WRITERS
from lethe.contacts.models import Contact
from lethe.core.redirects import see_other
from lethe.vault.policy import Actor, Purpose


def section(actor: Actor, contact: Contact) -> dict:
    """Return the context of the contact page's Consents and Marketing lists sections."""
    found = actions.overview(contact)
    may_record = actions.may_record(actor, contact)
    form = None
    if may_record:
        current = notices.current(Purpose.DIRECT_MARKETING)
        form = StaffConsentForm(
            initial={"purpose": Purpose.DIRECT_MARKETING, "notice": current.notice.text}
        )
    on_lists = MarketingList.objects.filter(members__contact=contact)
    may_list = lists.may_change_member(actor, contact)
    return {
        "events": list(reversed(found["events"])),
        "current": sorted(found["current"].items()),
        "form": form,
        "may_record": may_record,
        "on_lists": on_lists,
        "may_list": may_list,
        "other_lists": MarketingList.objects.exclude(pk__in=on_lists.values("pk"))
        if may_list
        else [],
    }


@require_POST
@roles_required(*WRITERS)
def record(request, contact_id: int):
    """Record a grant or a withdrawal (the button pressed), then show the contact again."""
    contact = get_object_or_404(Contact, pk=contact_id)
    actor = actor_for(request.user, request=request)
    if not actions.may_record(actor, contact):
        raise PermissionDenied
    form = StaffConsentForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"Consent not recorded. {name.capitalize()}: {errors[0]}")
        return see_other("contacts:detail", contact.pk)
    data = form.cleaned_data
    try:
        actions.record_change(
            actor, contact, data["purpose"], data["state"], data["channel"], data["notice"]
        )
    except ledger.ConsentError as exc:
        messages.error(request, f"Consent not recorded. {exc.field.capitalize()}: {exc.message}")
        return see_other("contacts:detail", contact.pk)
    done = "consent" if data["state"] == State.GRANTED else "withdrawal"
    messages.success(request, f"The {done} is recorded ({data['purpose'].replace('_', ' ')}).")
    return see_other("contacts:detail", contact.pk)
