"""Company pages: the list with search, and the company page with its contacts and deals."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.activities import timeline
from lethe.companies.api import READERS
from lethe.companies.models import Company
from lethe.contacts import queries
from lethe.customfields import display
from lethe.vault import gate

PAGE_SIZE = 50


@require_GET
@roles_required(*READERS)
def company_list(request):
    """List companies by name; search by name or organisation number."""
    q = request.GET.get("q", "").strip()
    companies = Company.objects.filter(archived_at__isnull=True).select_related("owner")
    if q:
        companies = companies.filter(Q(name__icontains=q) | Q(org_number__startswith=q))
    page = Paginator(companies.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "companies/list.html", {"page": page, "q": q, "query": urlencode({"q": q})}
    )


@require_GET
@roles_required(*READERS)
def company_detail(request, company_id: int):
    """Show a company, its contacts (names as the role may read them) and its deals."""
    company = get_object_or_404(Company.objects.select_related("owner"), pk=company_id)
    actor = actor_for(request.user, request=request)
    contacts, purpose = queries.filtered(actor, company=company.pk)
    contacts = list(contacts.order_by("pk")[:200])
    values = gate.read(
        actor,
        [c.subject_id for c in contacts],
        purpose,
        names=("first_name", "last_name", "job_title"),
    )
    return render(
        request,
        "companies/detail.html",
        {
            "company": company,
            "contacts": [(c, values[c.subject_id]) for c in contacts],
            "deals": company.deals.filter(archived_at__isnull=True).select_related("stage"),
            **timeline.for_company(actor, company, purpose),
            "custom_rows": display.rows("company", company.pk),
        },
    )
