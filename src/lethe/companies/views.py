"""Company pages: the list with search, and the company page with its contacts and deals."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.accounts.models import User
from lethe.activities import timeline
from lethe.attachments.views import section as attachments_section
from lethe.companies.api import READERS, WRITERS
from lethe.companies.models import Company
from lethe.contacts import queries
from lethe.customfields import display
from lethe.vault import gate
from lethe.vault.policy import Role

PAGE_SIZE = 50
SORTS = {
    "name": ("name", "id"),
    "-created": ("-created_at", "-id"),
    "-updated": ("-updated_at", "-id"),
    "city": ("city", "name", "id"),
}


@require_GET
@roles_required(*READERS)
def company_list(request):
    """List companies: search by name or organisation number, filter, sort."""
    given = {name: request.GET.get(name, "").strip() for name in ("q", "owner", "tag", "sort")}
    given["archived"] = "1" if request.GET.get("archived") == "1" else ""
    errors = {}
    companies = Company.objects.filter(archived_at__isnull=given["archived"] != "1")
    if given["q"]:
        q = given["q"]
        companies = companies.filter(Q(name__icontains=q) | Q(org_number__startswith=q))
    if given["owner"]:
        if given["owner"].isdigit():
            companies = companies.filter(owner_id=int(given["owner"]))
        else:
            errors["owner"] = "choose one from the list"
    if given["tag"]:
        companies = companies.filter(tags__name=given["tag"])
    if given["sort"] and given["sort"] not in SORTS:
        errors["sort"] = f"sort by one of: {', '.join(SORTS)}"
    order = SORTS.get(given["sort"]) or SORTS["name"]
    page = Paginator(companies.select_related("owner").order_by(*order), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "companies/list.html",
        {
            "page": None if errors else page,
            "q": given["q"],
            "given": given,
            "errors": errors,
            "sorts": SORTS,
            "owners": User.objects.filter(role_grants__role__in=[Role.SALES, Role.SUPPORT])
            .distinct()
            .order_by("email"),
            "query": urlencode({k: v for k, v in given.items() if v}),
            "can_import": bool(request.user.roles & set(WRITERS)),
        },
        status=400 if errors else 200,
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
            "attachments": attachments_section(request, "company", company.pk),
        },
    )
