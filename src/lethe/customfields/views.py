"""The admin's settings page for custom fields: define, hide, bring back, remove."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.customfields import actions
from lethe.customfields.forms import CustomFieldForm
from lethe.customfields.models import CustomField
from lethe.vault.policy import Role


@require_http_methods(["GET", "POST"])
@roles_required(Role.ADMIN)
def field_list(request):
    """List every custom field and define a new one (errors shown next to each input)."""
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        field = actions.create(actor_for(request.user, request=request), form)
        messages.success(request, f"Added the field {field.label}.")
        return redirect("customfields:list")
    return render(
        request,
        "customfields/list.html",
        {"form": form, "fields": CustomField.objects.all()},
        status=400 if form.errors else 200,
    )


@require_POST
@roles_required(Role.ADMIN)
def field_archive(request, field_id: int):
    field = get_object_or_404(CustomField, pk=field_id)
    hide = field.archived_at is None
    actions.archive(actor_for(request.user, request=request), field, hide)
    return redirect("customfields:list")


@require_POST
@roles_required(Role.ADMIN)
def field_delete(request, field_id: int):
    field = get_object_or_404(CustomField, pk=field_id)
    if request.POST.get("confirm") != field.key:
        messages.error(request, f"Type the key {field.key} to remove {field.label} and its values.")
        return redirect("customfields:list")
    actions.delete(actor_for(request.user, request=request), field)
    messages.success(request, f"Removed the field {field.label} and every value of it.")
    return redirect("customfields:list")
