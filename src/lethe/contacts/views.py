"""Contact pages: the list with search and filters, and the contact page."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.accounts.models import User
from lethe.activities import timeline
from lethe.attachments.views import section as attachments_section
from lethe.audit.queries import reads_of
from lethe.consent.views import section as consents_section
from lethe.contacts import queries
from lethe.contacts.api import LIST_FIELDS, READERS, WRITERS
from lethe.contacts.models import PERSONAL_FIELDS, Contact
from lethe.customfields import display
from lethe.customfields import values as customfields
from lethe.dsr import objection
from lethe.vault import gate
from lethe.vault.models import Subject
from lethe.vault.policy import Role

PAGE_SIZE = 50
FILTERS = ("q", "stage", "owner", "company", "tag", "archived", "sort")
SORT_LABELS = [
    ("-created", "newest first"),
    ("created", "oldest first"),
    ("-updated", "recently changed"),
    ("stage", "stage"),
    ("company", "company"),
]


def _id_filter(name: str, value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise queries.FilterError(name, "choose one from the list")
    return int(value)


@require_GET
@roles_required(*READERS)
def contact_list(request):
    """List contacts with filters and sorting; search names, e-mail, phone or identity number."""
    actor = actor_for(request.user, request=request)
    given = {name: request.GET.get(name, "").strip() for name in FILTERS}
    error, page, rows = None, None, []
    try:
        contacts, purpose = queries.filtered(
            actor,
            q=given["q"],
            stage=given["stage"],
            owner=_id_filter("owner", given["owner"]),
            company=int(given["company"]) if given["company"].isdigit() else None,
            tag=given["tag"],
            archived=given["archived"] == "1",
            sort=given["sort"],
        )
    except queries.FilterError as exc:
        error, status = exc, 400
    else:
        status = 200
        if given["company"] and not given["company"].isdigit():
            contacts = contacts.filter(company__name__icontains=given["company"])
        paginator = Paginator(
            contacts.select_related("company", "owner", "subject").prefetch_related("tags"),
            PAGE_SIZE,
        )
        page = paginator.get_page(request.GET.get("page"))
        values = gate.read(actor, [c.subject_id for c in page], purpose, names=LIST_FIELDS)
        rows = [(contact, values[contact.subject_id]) for contact in page]
    return render(
        request,
        "contacts/list.html",
        {
            "rows": rows,
            "page": page,
            "given": given,
            "q": given["q"],
            "stage": given["stage"],
            "error": error,
            "stages": Contact.Stage.choices,
            "owners": User.objects.filter(role_grants__role__in=[Role.SALES, Role.SUPPORT])
            .distinct()
            .order_by("email"),
            "sorts": SORT_LABELS,
            "query": urlencode({k: v for k, v in given.items() if v}),
            "can_import": bool(request.user.roles & set(WRITERS)),
        },
        status=status,
    )


@require_GET
@roles_required(*READERS)
def contact_detail(request, contact_id: int):
    """Show one contact: personal fields as the role may read them, deals, and for a DPO
    the link to who read this person's data."""
    actor = actor_for(request.user, request=request)
    contact = get_object_or_404(
        Contact.objects.select_related("company", "owner", "subject").prefetch_related("tags"),
        pk=contact_id,
    )
    _, purpose = queries.filtered(actor)
    names = [*PERSONAL_FIELDS, *customfields.personal_names("contact")]
    values = gate.read(actor, [contact.subject_id], purpose, names=names)[contact.subject_id]
    reads_link = None
    if Role.DPO in request.user.roles:
        reads_link = reverse("audit:events") + "?" + urlencode(reads_of(contact.subject_id))
    return render(
        request,
        "contacts/detail.html",
        {
            "contact": contact,
            "fields": [(n, values[n]) for n in PERSONAL_FIELDS if n in values],
            "name": (values.get("first_name"), values.get("last_name")),
            "custom_rows": display.rows("contact", contact.pk, values),
            "deals": contact.deals.select_related("stage"),
            "reads_link": reads_link,
            "restricted": contact.subject.status == Subject.Status.RESTRICTED,
            "objected": bool(objection.objected([contact.subject_id])),
            "attachments": attachments_section(request, "contact", contact.pk),
            "consents": consents_section(actor, contact),
            **timeline.for_contact(request, actor, contact, purpose),
        },
    )
