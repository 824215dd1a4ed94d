"""Privacy console pages for break-glass: the list of every access, start and end."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts import reauth
from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.dsr import breakglass
from lethe.dsr.breakglass_forms import BreakGlassForm
from lethe.dsr.models import BreakGlass
from lethe.vault.policy import Role

DPO_ONLY = roles_required(Role.DPO)
# The list shows this many accesses, newest first.
SHOWN = 200


@require_http_methods(["GET", "POST"])
@DPO_ONLY
@reauth.reauth_required(methods=frozenset({"POST"}))
def break_glass_list(request):
    """List every break-glass access (open ones flagged); start one (re-authenticated)."""
    form = BreakGlassForm(request.POST or None)
    actor = actor_for(request.user, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            glass = breakglass.start(
                actor, request.user, form.cleaned_data["reason"], form.cleaned_data["minutes"]
            )
        except ValidationError as exc:
            for name, problems in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            breakglass.enter(request, glass)
            messages.warning(
                request,
                f"Break-glass access #{glass.pk} is open until "
                f"{timezone.localtime(glass.expires_at):%H:%M}. Every read is logged.",
            )
            return redirect("break_glass:list")
    else:
        breakglass.close_expired()
    accesses = list(BreakGlass.objects.select_related("user")[:SHOWN])
    reasons = breakglass.reasons(actor, accesses)
    now = timezone.now()
    rows = [(g, reasons.get(g.pk, ""), g.active(now)) for g in accesses]
    return render(
        request,
        "dsr/break_glass.html",
        {"form": form, "rows": rows},
        status=400 if form.errors else 200,
    )


@require_POST
@DPO_ONLY
def break_glass_end(request, glass_id: int):
    """End an open break-glass access now (its user, or another DPO)."""
    glass = get_object_or_404(BreakGlass, pk=glass_id)
    breakglass.end(actor_for(request.user, request=request), glass)
    breakglass.leave(request, glass)
    messages.success(request, f"Break-glass access #{glass.pk} has ended.")
    return redirect("break_glass:list")
