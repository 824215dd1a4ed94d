"""Company forms on the web: create, edit, archive and restore, through companies.actions."""

from __future__ import annotations

from django.db import IntegrityError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.companies import actions, duplicates, orgnr
from lethe.companies.api import WRITERS
from lethe.companies.forms import CompanyForm
from lethe.companies.models import Company
from lethe.core.redirects import see_other

TAKEN = "another company has this organisation number"


def _edit(request, company: Company | None):
    actor = actor_for(request.user, request=request)
    # The form writes cleaned values onto its instance: give it a copy, so the action
    # can tell what changed.
    instance = Company.objects.get(pk=company.pk) if company else None
    found, status = [], 200
    if request.method == "POST":
        form = CompanyForm(request.POST, instance=instance)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            if company is None and not request.POST.get("allow_duplicate"):
                found = duplicates.find(domain=data["domain"])
            if found:
                status = 409
            else:
                try:
                    if company is None:
                        company = actions.create_company(actor, data, owner=request.user)
                    else:
                        actions.update_company(actor, company, data)
                except IntegrityError:  # the number was taken since the form checked it
                    form.add_error("org_number", TAKEN)
                else:
                    return see_other("companies:detail", company.pk)
    else:
        form = CompanyForm(instance=instance, initial={} if company else {"owner": request.user.pk})
    taken = []
    if form.has_error("org_number", "duplicate"):
        number = orgnr.normalise(form.data["org_number"])
        taken = duplicates.find(number, exclude=getattr(company, "pk", None))
    return render(
        request,
        "companies/form.html",
        {"company": company, "form": form, "duplicates": found, "taken": taken},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def company_create(request):
    """Show and handle the form for a new company; warn about one with the same domain."""
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def company_edit(request, company_id: int):
    """Show and handle the form for a company."""
    return _edit(request, get_object_or_404(Company, pk=company_id))


@require_POST
@roles_required(*WRITERS)
def company_archive(request, company_id: int):
    """Archive a company (reversible), then show it."""
    company = get_object_or_404(Company, pk=company_id)
    actions.archive_company(actor_for(request.user, request=request), company)
    return see_other("companies:detail", company.pk)


@require_POST
@roles_required(*WRITERS)
def company_restore(request, company_id: int):
    """Bring an archived company back, then show it."""
    company = get_object_or_404(Company, pk=company_id)
    actions.restore_company(actor_for(request.user, request=request), company)
    return see_other("companies:detail", company.pk)
