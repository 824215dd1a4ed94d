"""Marketing list pages: the lists, one list's eligible members, export, members on and off.

The marketing role works here and sees only eligible members (name and e-mail);
sales put contacts they own on lists from the contact page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.accounts.reauth import reauth_required
from lethe.consent import lists
from lethe.consent.forms import ListForm, MemberForm
from lethe.consent.marketing_api import MARKETING, MEMBER_EDITORS
from lethe.consent.models import MarketingList
from lethe.contacts.models import Contact
from lethe.core.redirects import see_other

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@roles_required(*MARKETING)
def list_index(request):
    """The marketing lists, and a form for a new one."""
    form = ListForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actor = actor_for(request.user, request=request)
            try:
                created = lists.create_list(actor, form.cleaned_data["name"], request.user)
            except lists.ListError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return see_other("marketing:list", created.pk)
        status = 400
    return render(
        request,
        "consent/lists.html",
        {"lists": MarketingList.objects.all(), "form": form},
        status=status,
    )


@require_GET
@roles_required(*MARKETING)
def list_detail(request, list_id: int):
    """One list: its eligible members with name and e-mail; the others only counted."""
    marketing_list = get_object_or_404(MarketingList, pk=list_id)
    actor = actor_for(request.user, request=request)
    found = lists.members(marketing_list)
    page = Paginator(found.contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "consent/list.html",
        {
            "list": marketing_list,
            "page": page,
            "rows": lists.rows(actor, list(page)),
            "eligible": len(found.contacts),
            "excluded": found.excluded,
        },
    )


@require_GET
@roles_required(*MARKETING)
@reauth_required
def list_export(request, list_id: int):
    """The eligible members as CSV with their withdrawal links (after the password again)."""
    marketing_list = get_object_or_404(MarketingList, pk=list_id)
    actor = actor_for(request.user, request=request)

    def link(token: str) -> str:
        return request.build_absolute_uri(reverse("consent:withdraw-link", args=[token]))

    response = HttpResponse(
        lists.export_csv(actor, marketing_list, link), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="lethe-list-{marketing_list.pk}.csv"'
    return response


@require_POST
@roles_required(*MARKETING)
def list_delete(request, list_id: int):
    """Delete a list (the contacts stay)."""
    marketing_list = get_object_or_404(MarketingList, pk=list_id)
    lists.delete_list(actor_for(request.user, request=request), marketing_list)
    messages.success(request, f"The list {marketing_list.name} is deleted.")
    return see_other("marketing:lists")


def _allowed(request, contact: Contact) -> None:
    if not lists.may_change_member(actor_for(request.user, request=request), contact):
        raise PermissionDenied


def _back(request, marketing_list: MarketingList, contact: Contact | None):
    """Back to the contact page when the change was made there, else to the list."""
    if contact is not None and request.POST.get("back") == "contact":
        return see_other("contacts:detail", contact.pk)
    if request.user.roles & set(MARKETING):
        return see_other("marketing:list", marketing_list.pk)
    return see_other("contacts:detail", contact.pk) if contact else see_other("contacts:list")


@require_POST
@roles_required(*MEMBER_EDITORS)
def member_add(request):
    """Put a contact on a list (sales: contacts they or their team own)."""
    form = MemberForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"Not added. {name.capitalize()}: {errors[0]}")
        given = str(request.POST.get("contact", ""))
        if given.isdigit() and Contact.objects.filter(pk=given).exists():
            return see_other("contacts:detail", int(given))
        return see_other("contacts:list")
    marketing_list = form.cleaned_data["list"]
    contact = get_object_or_404(Contact, pk=form.cleaned_data["contact"])
    _allowed(request, contact)
    lists.add_member(actor_for(request.user, request=request), marketing_list, contact)
    messages.success(request, f"Put on {marketing_list.name}; shown there while eligible.")
    return _back(request, marketing_list, contact)


@require_POST
@roles_required(*MEMBER_EDITORS)
def member_remove(request, list_id: int, contact_id: int):
    """Take a contact off a list."""
    marketing_list = get_object_or_404(MarketingList, pk=list_id)
    contact = get_object_or_404(Contact, pk=contact_id)
    _allowed(request, contact)
    lists.remove_member(actor_for(request.user, request=request), marketing_list, contact)
    messages.success(request, f"Taken off {marketing_list.name}.")
    return _back(request, marketing_list, contact)
