"""Deal pages: the list with filters, the deal page, create and edit forms, and the board."""

from __future__ import annotations

import itertools

from django.core.paginator import Paginator
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.contacts.models import Contact
from lethe.deals import actions
from lethe.deals.api import READERS, WRITERS
from lethe.deals.forms import DealForm, MoveForm
from lethe.deals.models import Deal, DealContact, Pipeline, Stage
from lethe.deals.queries import DealFilterForm
from lethe.vault import gate
from lethe.vault.policy import default_purpose

PAGE_SIZE = 50
# Cards shown per board column (the most recently updated); the column's count and
# totals cover all its deals, and the list page shows the rest.
CARDS_PER_STAGE = 50


def _may_write(user) -> bool:
    return bool(user.roles & frozenset(WRITERS))


@require_GET
@roles_required(*READERS)
def deal_list(request):
    """List deals with filters (pipeline, stage, status, owner, company, tag, archived)."""
    form = DealFilterForm(request.GET or None)
    page, status = None, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        if not form.is_bound:
            form = DealFilterForm({})
            form.is_valid()
        deals = form.deals().select_related("stage", "pipeline", "company", "owner")
        paginator = Paginator(deals.prefetch_related("tags"), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(
        request,
        "deals/list.html",
        {"form": form, "page": page, "query": query, "may_write": _may_write(request.user)},
        status=status,
    )


@require_GET
@roles_required(*READERS)
def deal_detail(request, deal_id: int):
    """Show a deal: its facts and its contacts in their roles (names as the role may read)."""
    deal = get_object_or_404(
        Deal.objects.select_related("company", "owner", "stage", "pipeline").prefetch_related(
            "tags"
        ),
        pk=deal_id,
    )
    links = list(deal.dealcontact_set.select_related("contact").order_by("pk"))
    actor = actor_for(request.user, request=request)
    values = gate.read(
        actor,
        [link.contact.subject_id for link in links],
        default_purpose(actor),
        names=("first_name", "last_name", "job_title"),
    )
    return render(
        request,
        "deals/detail.html",
        {
            "deal": deal,
            "probability": deal.stage.probability if deal.probability is None else deal.probability,
            "contacts": [(link, values[link.contact.subject_id]) for link in links],
            "may_write": _may_write(request.user),
        },
    )


def _tag_text(deal: Deal) -> str:
    return ", ".join(t.name for t in deal.tags.all())


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def deal_create(request):
    """Create a deal; errors are shown next to their fields."""
    if request.method == "POST":
        form = DealForm(request.POST)
        if form.is_valid():
            actor = actor_for(request.user, request=request)
            deal = actions.create_deal(actor, form.cleaned_data, owner=request.user)
            return redirect("deals:detail", deal.pk)
    else:
        form = DealForm(initial={"pipeline": request.GET.get("pipeline")})
    status = 400 if form.is_bound else 200
    return render(request, "deals/form.html", {"form": form, "deal": None}, status=status)


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def deal_edit(request, deal_id: int):
    """Change a deal's fields; errors are shown next to their fields."""
    deal = get_object_or_404(Deal.objects.prefetch_related("tags"), pk=deal_id)
    # The form validates a copy, so the action still sees what changed.
    copy = Deal.objects.get(pk=deal.pk)
    if request.method == "POST":
        form = DealForm(request.POST, instance=copy)
        if form.is_valid():
            actions.update_deal(actor_for(request.user, request=request), deal, form.cleaned_data)
            return redirect("deals:detail", deal.pk)
    else:
        form = DealForm(instance=copy, initial={"tags": _tag_text(deal)})
    status = 400 if form.is_bound else 200
    return render(request, "deals/form.html", {"form": form, "deal": deal}, status=status)


@require_POST
@roles_required(*WRITERS)
def deal_archive(request, deal_id: int):
    """Archive a deal (reversible), then show it."""
    deal = get_object_or_404(Deal, pk=deal_id)
    actions.archive_deal(actor_for(request.user, request=request), deal)
    return redirect("deals:detail", deal.pk)


@require_POST
@roles_required(*WRITERS)
def deal_restore(request, deal_id: int):
    """Bring an archived deal back, then show it."""
    deal = get_object_or_404(Deal, pk=deal_id)
    actions.restore_deal(actor_for(request.user, request=request), deal)
    return redirect("deals:detail", deal.pk)


# Contacts offered on a deal's contacts page: its own and its company's, up to this many.
CONTACT_CHOICES = 200


def _candidates(deal: Deal) -> list[Contact]:
    """Return the deal's contacts, then its company's other (non-archived) contacts."""
    current = list(Contact.objects.filter(dealcontact__deal=deal).order_by("pk"))
    company = []
    if deal.company_id:
        company = list(
            Contact.objects.filter(company_id=deal.company_id, archived_at__isnull=True)
            .exclude(pk__in=[c.pk for c in current])
            .order_by("pk")[:CONTACT_CHOICES]
        )
    return current + company


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def deal_contacts(request, deal_id: int):
    """Choose who takes part in a deal, and in which role, among its company's contacts.

    Names are read through the gate, masked where the role may not read them.
    """
    deal = get_object_or_404(Deal.objects.select_related("company"), pk=deal_id)
    candidates = _candidates(deal)
    roles = dict(DealContact.objects.filter(deal=deal).values_list("contact_id", "role"))
    errors, status = [], 200
    if request.method == "POST":
        by_pk = {str(c.pk): c for c in candidates}
        chosen = {}
        for pk in request.POST.getlist("contact"):
            role = request.POST.get(f"role-{pk}", DealContact.Role.OTHER)
            if pk not in by_pk:
                errors.append(f"contact {pk!r} is not a contact of this deal's company")
            elif role not in DealContact.Role.values:
                errors.append(f"unknown role {role!r}")
            else:
                chosen[by_pk[pk]] = role
        if not errors:
            actions.set_contacts(actor_for(request.user, request=request), deal, chosen)
            return redirect("deals:detail", deal.pk)
        status = 400
        roles = {c.pk: role for c, role in chosen.items()}
    actor = actor_for(request.user, request=request)
    values = gate.read(
        actor,
        [c.subject_id for c in candidates],
        default_purpose(actor),
        names=("first_name", "last_name", "job_title"),
    )
    return render(
        request,
        "deals/contacts.html",
        {
            "deal": deal,
            "rows": [(c, values[c.subject_id], roles.get(c.pk)) for c in candidates],
            "role_choices": DealContact.Role.choices,
            "errors": errors,
        },
        status=status,
    )


# --- the pipeline board ---------------------------------------------------------------


def _columns(pipeline: Pipeline) -> list[dict]:
    """Return one column per stage: its first cards, its deal count and totals per currency.

    Three queries whatever the number of deals: stages, cards, totals.
    """
    deals = Deal.objects.filter(pipeline=pipeline, archived_at__isnull=True)
    cards = (
        deals.select_related("company", "owner")
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("updated_at").desc(), F("id").desc()],
            )
        )
        .filter(row__lte=CARDS_PER_STAGE)
        .order_by("stage_id", "-updated_at", "-id")
    )
    columns = {
        stage.pk: {"stage": stage, "cards": [], "count": 0, "totals": []}
        for stage in pipeline.stages.order_by("position", "id")
    }
    for deal in cards:
        columns[deal.stage_id]["cards"].append(deal)
    totals = deals.values("stage_id", "currency").annotate(n=Count("id"), total=Sum("amount"))
    for row in totals.order_by("stage_id", "currency"):
        column = columns[row["stage_id"]]
        column["count"] += row["n"]
        column["totals"].append((row["total"], row["currency"]))
    return list(columns.values())


def _board(request, pipeline: Pipeline, failed: tuple[int, MoveForm] | None = None, status=200):
    columns = _columns(pipeline)
    stages = [c["stage"] for c in columns]
    # An open deal's card offers the next stage; a closed one's stays where it is.
    following = {a.pk: b.pk for a, b in itertools.pairwise(stages) if a.kind == Stage.Kind.OPEN}
    for column in columns:
        for deal in column["cards"]:
            # A refused move keeps what was chosen.
            deal.move_to, deal.move_reason, deal.move_errors = (
                following.get(deal.stage_id, deal.stage_id),
                deal.lost_reason,
                {},
            )
            if failed and failed[0] == deal.pk:
                form = failed[1]
                chosen = form.cleaned_data.get("stage")
                deal.move_to = chosen.pk if chosen else deal.move_to
                deal.move_reason = form.data.get("lost_reason", "")
                deal.move_errors = form.errors
    context = {
        "pipeline": pipeline,
        "pipelines": Pipeline.objects.all(),
        "columns": columns,
        "stages": stages,
        "lost_reasons": Deal.LostReason.choices,
        "may_write": _may_write(request.user),
    }
    template = "deals/_board.html" if request.htmx else "deals/board.html"
    return render(request, template, context, status=status)


@require_GET
@roles_required(*READERS)
def board_first(request):
    """Open the board of the first pipeline."""
    pipeline = Pipeline.objects.first()
    if pipeline is None:
        raise Http404("there is no pipeline")
    return redirect("deals:board", pipeline.pk)


@require_GET
@roles_required(*READERS)
def board(request, pipeline_id: int):
    """Show a pipeline as columns of deals, one per stage, with totals."""
    return _board(request, get_object_or_404(Pipeline, pk=pipeline_id))


@require_POST
@roles_required(*WRITERS)
def deal_move(request, deal_id: int):
    """Move a deal to another stage of its pipeline, from a board card.

    Without JavaScript: back to the board. With htmx: the board fragment only.
    A lost stage needs a lost reason; the error shows on the card, and nothing changes.
    """
    deal = get_object_or_404(
        Deal.objects.select_related("pipeline", "stage"), pk=deal_id, archived_at__isnull=True
    )
    form = MoveForm(request.POST, deal=deal)
    if not form.is_valid():
        return _board(request, deal.pipeline, failed=(deal.pk, form), status=400)
    stage: Stage = form.cleaned_data["stage"]
    actions.update_deal(
        actor_for(request.user, request=request),
        deal,
        {"stage": stage, "lost_reason": form.cleaned_data["lost_reason"]},
    )
    if request.htmx:
        return _board(request, deal.pipeline)
    return redirect("deals:board", deal.pipeline_id)
