"""The legal holds page: contract records kept under a legal obligation, for finance."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.holds import actions, queries
from lethe.holds.api import READERS


@require_GET
@roles_required(*READERS)
def hold_list(request):
    """List the holds (active by default) with the person's name and e-mail."""
    state, error = request.GET.get("state", "active"), ""
    if state not in queries.STATES:
        state, error = "active", f"state: must be one of {', '.join(queries.STATES)}"
    paginator = Paginator(queries.listed(state), queries.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    records = actions.contract_records(actor_for(request.user, request=request), list(page))
    return render(
        request,
        "holds/list.html",
        {
            "page": page,
            "records": records,
            "state": state,
            "states": queries.STATES,
            "error": error,
        },
        status=400 if error else 200,
    )
