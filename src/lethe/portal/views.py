"""The portal's pages: public, no account, the same answer for every address.

Every response is no-store and under the strict CSP (lethe.core.middleware); the
only personal data in a URL is none at all: links carry a signed token of random
values, and the portal session is a signed cookie limited to one request.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lethe.accounts.access import public
from lethe.accounts.throttle import in_words
from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.core.redirects import see_other
from lethe.dsr import store
from lethe.dsr.models import Export, Request
from lethe.portal import actions, links, throttle
from lethe.portal.forms import FollowForm, RequestForm
from lethe.vault.policy import Actor, Role

STEPS = {
    "received": "Request received",
    "verified": "E-mail address confirmed",
    "located": "Our records searched",
    "confirmed": "Your records identified",
    "extended": "Deadline extended",
    "completed": "Answered",
    "refused": "Refused",
}


# The link pages' URLs hold the token: browsers send only our origin as the referrer,
# not the path, even to our own static files. ("no-referrer" would also make the
# confirming POST's Origin header "null", which the CSRF check rightly refuses.)
REFERRER_POLICY = "strict-origin"


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _actor(request) -> Actor:
    """The portal acts as one of Lethe's own jobs, on behalf of an unidentified visitor."""
    return Actor(
        "system",
        "portal",
        frozenset({Role.SYSTEM}),
        request_id=getattr(request, "request_id", ""),
        client_addr=_address(request),
    )


def _absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _throttled(request, template: str, form, wait) -> HttpResponse:
    with transaction.atomic():
        log.record(
            _actor(request),
            Action.ACCESS_DENIED,
            outcome=Outcome.DENIED,
            record_kind="portal_link",
            detail={"reason": "throttled"},
        )
    form.add_error(None, f"Too many requests in a short time. Try again in {in_words(wait)}.")
    return render(request, template, {"form": form}, status=429)


def _ask(request, form_class, template: str, send) -> HttpResponse:
    """Show a form; on a valid POST, within the rate limits, send the e-mail."""
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return render(request, template, {"form": form})
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    email = form.cleaned_data["email"]
    wait = throttle.take(email, _address(request))
    if wait is not None:
        return _throttled(request, template, form, wait)
    actor = _actor(request)
    actions.purge_expired(actor)
    try:
        send(actor, form.cleaned_data)
    except actions.MailFailed:
        return render(request, "portal/unavailable.html", status=503)
    return see_other("portal:sent")


@require_http_methods(["GET", "POST"])
@public
def start(request):
    """Make a request: choose its kind, give an e-mail address, get a link to confirm it."""

    def send(actor, data):
        actions.ask_to_open(
            actor,
            data["kind"],
            data["email"],
            data["correction"].strip(),
            lambda token: _absolute(request, "portal:link", token),
        )

    return _ask(request, RequestForm, "portal/start.html", send)


@require_http_methods(["GET", "POST"])
@public
def follow(request):
    """Ask for links to follow the requests made from an e-mail address."""

    def send(actor, data):
        actions.ask_to_follow(
            actor,
            data["email"],
            lambda token: _absolute(request, "portal:link", token),
            _absolute(request, "portal:start"),
        )

    return _ask(request, FollowForm, "portal/follow.html", send)


@require_GET
@public
def sent(request):
    """Say that a message is on its way, whatever the address was."""
    return render(request, "portal/sent.html", {"hours": links.hours()})


def _refused(request, refusal: links.Refused) -> HttpResponse:
    response = render(
        request, "portal/refused.html", {"reason": refusal.reason}, status=refusal.status
    )
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


@require_http_methods(["GET", "POST"])
@public
def link(request, token: str):
    """Show what a link does (GET changes nothing), and use it once on confirmation (POST).

    Opening the link only shows a button: mail scanners that fetch links do not use them.
    """
    try:
        if request.method == "POST":
            used = actions.use(
                _actor(request), token, follow_url=_absolute(request, "portal:follow")
            )
            response = see_other("portal:request")
            links.start_session(response, used)
            return response
        found = links.check(token)
    except links.Refused as refusal:
        return _refused(request, refusal)
    context = {"link": found, "kind": Request.Kind(found.kind).label}
    response = render(request, "portal/confirm.html", context)
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


def _no_session(request) -> HttpResponse:
    return render(request, "portal/no_session.html", status=403)


@require_GET
@public
def request_page(request):
    """Show the request of this portal session: status, dates, steps, downloads."""
    dsr = links.session_request(request)
    if dsr is None:
        return _no_session(request)
    steps = [
        {"at": s.at, "what": STEPS.get(s.step, s.step.replace("_", " ").capitalize())}
        for s in dsr.steps.order_by("at", "id")
    ]
    context = {
        "dsr": dsr,
        "steps": steps,
        "exports": list(dsr.exports.order_by("-created_at")),
    }
    return render(request, "portal/request.html", context)


@require_GET
@public
def download(request, export_id):
    """Send one export of the session's request (audited), or say that it has expired."""
    dsr = links.session_request(request)
    if dsr is None:
        return _no_session(request)
    export = Export.objects.filter(pk=export_id, request=dsr).select_related("record_key").first()
    if export is None:
        raise Http404("no such export")
    try:
        data = store.open_export(_actor(request), export, channel="portal")
    except store.ExportGone:
        return render(request, "portal/expired.html", {"export": export}, status=410)
    return HttpResponse(
        data,
        content_type=export.content_type,
        headers={"Content-Disposition": content_disposition_header(True, export.filename)},
    )


@require_POST
@public
def end(request):
    """End the portal session."""
    response = see_other("portal:start")
    links.end_session(response)
    return response
