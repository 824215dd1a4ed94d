"""The merge page: pick the other contact, then per field whose value to keep."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.contacts import duplicates, merge
from lethe.contacts.api import WRITERS
from lethe.contacts.form_views import MATCHED_ON
from lethe.contacts.forms import PERSONAL_LABELS
from lethe.contacts.models import Contact
from lethe.core.redirects import see_other
from lethe.vault import gate
from lethe.vault.errors import AccessDenied, InvalidField
from lethe.vault.policy import default_purpose


def _other(request, contact: Contact):
    """Return (other contact, error message) from the `from` parameter."""
    raw = (request.POST.get("from") or request.GET.get("from") or "").strip()
    if not raw:
        return None, None
    if not raw.isdigit():
        return None, "give the number of the other contact"
    other = Contact.objects.filter(pk=int(raw)).first()
    if other is None:
        return None, "no such contact"
    if other.pk == contact.pk:
        return None, "a contact cannot be merged with itself"
    return other, None


def _rows(values: dict, other_values: dict, chosen: dict) -> list[dict]:
    rows = []
    for name in merge.CHOOSABLE:
        this, that = values.get(name), other_values.get(name)
        if isinstance(this, gate.Masked) or isinstance(that, gate.Masked):
            rows.append({"name": name, "label": PERSONAL_LABELS[name], "lock": this})
            continue
        default = "other" if this in (None, gate.ERASED) and that is not None else "this"
        rows.append(
            {
                "name": name,
                "label": PERSONAL_LABELS[name],
                "this": this,
                "other": that,
                "choice": chosen.get(name, default),
            }
        )
    return rows


def _candidates(actor, purpose, contact: Contact) -> list[tuple]:
    """Return (duplicate, field label) for contacts sharing an identifier with this one."""
    mine = gate.read(actor, [contact.subject_id], purpose, names=duplicates.IDENTIFIERS)
    given = {
        name: value
        for name, value in mine[contact.subject_id].items()
        if value and not isinstance(value, gate.Masked | gate.Erased)
    }
    if not given:
        return []
    found = duplicates.find(actor, given, purpose=purpose, exclude=contact.pk)
    return [(d, MATCHED_ON[d.matched_on]) for d in found]


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def contact_merge(request, contact_id: int):
    """Merge another contact into this one: choose per field, then confirm (POST)."""
    actor = actor_for(request.user, request=request)
    purpose = default_purpose(actor)
    contact = get_object_or_404(Contact, pk=contact_id)
    if not merge.readable(actor, purpose, [contact]):
        raise PermissionDenied
    other, error = _other(request, contact)
    status = 400 if error else 200
    if other is not None and not merge.readable(actor, purpose, [other]):
        other, error, status = None, "you may not read that contact's personal data", 403
    chosen = {
        name: request.POST[f"choice_{name}"]
        for name in merge.CHOOSABLE
        if request.POST.get(f"choice_{name}") in merge.CHOICES
    }
    if request.method == "POST" and other is not None:
        try:
            kept = merge.merge_contacts(actor, purpose, contact, other, chosen)
        except (merge.MergeError, InvalidField) as exc:
            error, status = f"{exc.field}: {exc.message}", 400
        except AccessDenied:
            error, status = "you may merge only contacts whose personal data you may read", 403
        else:
            return see_other("contacts:detail", kept.pk)
    elif request.method == "POST" and not error:
        error, status = "give the number of the other contact", 400
    context = {"contact": contact, "other": other, "error": error}
    if other is None:
        context["candidates"] = _candidates(actor, purpose, contact)
    if other is not None:
        values = gate.read(actor, [contact.subject_id, other.subject_id], purpose)
        mine, theirs = values[contact.subject_id], values[other.subject_id]
        context.update(
            rows=_rows(mine, theirs, chosen),
            united=[
                (
                    PERSONAL_LABELS[name],
                    mine[name]
                    if isinstance(mine.get(name), gate.Masked)
                    else merge.united(mine.get(name), theirs.get(name)),
                )
                for name in merge.UNITED
            ],
            other_deals=other.deals.count(),
            other_tags=list(other.tags.values_list("name", flat=True)),
        )
    return render(request, "contacts/merge.html", context, status=status)
