"""Privacy-console pages for rectification, restriction and recipients (/console/rights/).

Only the dpo role; work on one request runs inside that request's case.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.accounts.reauth import reauth_required
from lethe.core.redirects import see_other
from lethe.dsr import recipients, rectification, restriction
from lethe.dsr.models import Disclosure, Notification, Recipient, Request
from lethe.dsr.rights_common import check_acting
from lethe.dsr.rights_forms import (
    CorrectionForm,
    DisclosureForm,
    LiftForm,
    NotifiedForm,
    RecipientForm,
    add_errors,
)
from lethe.vault.policy import Role

PAGE_SIZE = 50


def _in_case(request, request_id: int):
    """Return (the DSR request, the actor inside its case)."""
    dsr = get_object_or_404(Request, pk=request_id)
    return dsr, actor_for(request.user, case=dsr.case, request=request)


def _acting(actor, dsr, kinds=()):
    try:
        check_acting(actor, dsr, kinds)
    except PermissionError:
        raise PermissionDenied from None
    except ValidationError:
        raise PermissionDenied from None  # another kind of request: not this page's


@require_http_methods(["GET", "POST"])
@roles_required(Role.DPO)
def recipient_list(request):
    """The register of recipients, and a form to add one."""
    form = RecipientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recipient = recipients.create_recipient(
                actor_for(request.user, request=request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Added the recipient {recipient.name}.")
            return see_other("rights:recipients")
    return render(
        request,
        "dsr/rights/recipients.html",
        {"form": form, "recipients": Recipient.objects.all()},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@roles_required(Role.DPO)
def disclosure_list(request):
    """The disclosure log (by recipient or pseudonym), and a form to record one by hand."""
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recipients.record_disclosure(
                actor_for(request.user, request=request),
                data["recipient"],
                data["subjects"],
                data["categories"],
                data["purpose"],
                data["channel"],
                at=data["at"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "The disclosure is recorded.")
            return see_other("rights:disclosures")
    found, error = Disclosure.objects.select_related("recipient"), ""
    subject = request.GET.get("subject", "").strip()
    if subject:
        try:
            found = found.filter(subjects__subject_id=UUID(subject))
        except ValueError:
            error = "subject: give a pseudonym (a UUID)"
    recipient = request.GET.get("recipient", "")
    if recipient.isdigit():
        found = found.filter(recipient_id=int(recipient))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dsr/rights/disclosures.html",
        {
            "form": form,
            "page": page,
            "subject": subject,
            "recipient": recipient,
            "recipients": Recipient.objects.all(),
            "error": error,
        },
        status=400 if form.errors or error else 200,
    )


@require_http_methods(["GET", "POST"])
@roles_required(Role.DPO)
def rectification_page(request, request_id: int):
    """The corrections of a rectification request: shown to the DPO, and a form to add one."""
    dsr, actor = _in_case(request, request_id)
    _acting(actor, dsr, [Request.Kind.RECTIFICATION])
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rectification.add_corrections(actor, dsr, form.correction())
        except ValidationError as exc:
            add_errors(form, exc, {"corrections.": "value", "corrections": "value"})
        else:
            messages.success(request, "The correction is recorded (sealed).")
            return see_other("rights:rectification", dsr.pk)
    done = getattr(dsr, "rectification", None)
    return render(
        request,
        "dsr/rights/rectification.html",
        {
            "dsr": dsr,
            "form": form,
            "corrections": sorted(rectification.corrections(actor, dsr).items()),
            "applied": done.applied_at if done else None,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@roles_required(Role.DPO)
@reauth_required
def restriction_page(request, request_id: int):
    """The restrictions of a request, and the form to lift them once the person was told."""
    dsr, actor = _in_case(request, request_id)
    _acting(actor, dsr, [Request.Kind.RESTRICTION])
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            restriction.lift(
                actor, dsr, data["told_on"], data["told_method"], note=data["note"].strip()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "The restriction is lifted.")
            return see_other("rights:restriction", dsr.pk)
    rows = restriction.restrictions(dsr)
    return render(
        request,
        "dsr/rights/restriction.html",
        {"dsr": dsr, "form": form, "restrictions": rows, "active": any(r.active for r in rows)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET"])
@roles_required(Role.DPO)
def notify_page(request, request_id: int):
    """The recipients to tell of a request's change (Art. 19), with their notification."""
    dsr, actor = _in_case(request, request_id)
    _acting(actor, dsr)
    return render(request, "dsr/rights/notify.html", {"dsr": dsr, **recipients.context(dsr)})


@require_POST
@roles_required(Role.DPO)
def notified(request, notification_id: int):
    """Record that a recipient was told; back to the page the form was on."""
    notification = get_object_or_404(
        Notification.objects.select_related("request", "recipient"), pk=notification_id
    )
    dsr, actor = _in_case(request, notification.request_id)
    _acting(actor, dsr)
    form = NotifiedForm(request.POST)
    if form.is_valid():
        try:
            recipients.mark_notified(
                actor, notification, form.cleaned_data["method"], form.cleaned_data["notified_on"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(request, f"{field}: {error}" if field != "__all__" else error)
    if not form.errors:
        messages.success(request, f"Recorded that {notification.recipient.name} was told.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    return see_other(back or "rights:notify", *([] if back else [dsr.pk]))
