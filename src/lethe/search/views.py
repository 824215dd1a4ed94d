"""Global search: companies by name or organisation number, contacts through the vault.

Contacts are found by the gate's blind indexes (name prefixes folded for case and
accents, e-mail, phone, identity number), so only the people whose searched field
the role may read are found, and their names are shown as the role may read them.
The page costs the same number of queries whatever the number of results.
"""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.companies.models import Company
from lethe.contacts import queries
from lethe.contacts.api import READERS
from lethe.vault import gate

LIMIT = 50
MAX_QUERY = 200
NAMES = ("first_name", "last_name", "email", "job_title")


def _org_prefix(q: str) -> str | None:
    """Return `q` as the start of an organisation number (NNNNNN-NNNN), if it is one."""
    digits = "".join(c for c in q if c.isdigit())
    if len(digits) < 4 or len(digits) != len(q.replace("-", "").replace(" ", "")):
        return None
    if len(digits) == 12 and digits.startswith("16"):
        digits = digits[2:]
    return digits if len(digits) <= 6 else f"{digits[:6]}-{digits[6:10]}"


def _companies(q: str) -> list[Company]:
    match = Q(name__icontains=q)
    prefix = _org_prefix(q)
    if prefix:
        match |= Q(org_number__startswith=prefix)
    companies = Company.objects.filter(match, archived_at__isnull=True)
    return list(companies.select_related("owner").order_by("name", "id")[: LIMIT + 1])


@require_GET
@roles_required(*READERS)
def search(request):
    """Show the companies and contacts matching the header's search box."""
    q = request.GET.get("q", "").strip()
    error, companies, contacts, status = None, [], [], 200
    if len(q) > MAX_QUERY:
        error, status = f"q: at most {MAX_QUERY} characters", 400
    elif q:
        companies = _companies(q)
        actor = actor_for(request.user, request=request)
        try:
            found, purpose = queries.filtered(actor, q=q)
        except queries.FilterError as exc:
            error, status = f"{exc.field}: {exc.message}", 400
        else:
            found = list(
                found.select_related("company").order_by("-created_at", "-id")[: LIMIT + 1]
            )
            values = gate.read(actor, [c.subject_id for c in found], purpose, names=NAMES)
            contacts = [(c, values[c.subject_id]) for c in found]
    return render(
        request,
        "search/results.html",
        {
            "q": q,
            "error": error,
            "companies": companies[:LIMIT],
            "more_companies": len(companies) > LIMIT,
            "contacts": contacts[:LIMIT],
            "more_contacts": len(contacts) > LIMIT,
        },
        status=status,
    )
