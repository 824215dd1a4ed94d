"""The privacy console's retention page: the policies, what they make due now, the runs."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.audit import log
from lethe.audit.models import Action
from lethe.retention import engine
from lethe.retention.forms import PolicyForm
from lethe.retention.models import Policy, Run
from lethe.vault.policy import Purpose, Role


@require_GET
@roles_required(Role.DPO, Role.AUDITOR)
def overview(request):
    """Policies with what each makes due today (counts only), and the latest runs."""
    due = {item.policy.pk: len(item.ids) for item in engine.plan()}
    rows = [(p, due.get(p.pk, 0), PolicyForm(instance=p)) for p in Policy.objects.all()]
    return render(
        request,
        "retention/overview.html",
        {
            "rows": rows,
            "runs": Run.objects.all()[:10],
            "may_edit": Role.DPO in request.user.roles,
        },
    )


@require_POST
@roles_required(Role.DPO)
def edit(request, policy_id: int):
    policy = get_object_or_404(Policy, pk=policy_id)
    before = {"months": policy.months, "enabled": policy.enabled}
    form = PolicyForm(request.POST, instance=policy)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{policy.key}: {field}: {' '.join(errors)}")
        return redirect("retention:overview")
    with transaction.atomic():
        form.save()
        after = {"months": policy.months, "enabled": policy.enabled}
        log.record(
            actor_for(request.user, request=request),
            Action.UPDATE,
            record_kind="retention_policy",
            record_id=str(policy.pk),
            purpose=Purpose.ACCOUNTABILITY,
            detail={"before": before, "after": after},
        )
    messages.success(request, f"Saved {policy.key}.")
    return redirect("retention:overview")
