"""Public pages: give consent to direct marketing, withdraw it, and the e-mail links.

Giving and withdrawing take the same steps: open the page, type the address, press
the button (and, with double opt-in, open the link e-mailed and press its button).
The link in a marketing e-mail withdraws with one button. Every answer is the same
whether or not the address is known, and the forms are rate limited.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from lethe.accounts.access import public
from lethe.consent import notices, throttle
from lethe.consent import public as flows
from lethe.consent.forms import ConsentForm, PublicForm
from lethe.consent.models import State
from lethe.vault.policy import Purpose

PURPOSE = Purpose.DIRECT_MARKETING


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _confirm_link(request):
    def link(token: str) -> str:
        return request.build_absolute_uri(reverse("consent:confirm", args=[token]))

    return link


def _handle(request, state: State, form, template: str, context: dict):
    """Check the form and the rate limit, then ask for the change; same answer for all."""
    if not form.is_valid():
        return render(request, template, {**context, "form": form}, status=400)
    data = form.cleaned_data
    if not throttle.allow(str(state), _address(request), data["email"]):
        context = {**context, "form": form, "throttled": True}
        return render(request, template, context, status=429)
    given = flows.Given(data["email"], data.get("first_name", ""), data.get("last_name", ""))
    notice = data.get("notice")
    flows.ask(
        state, PURPOSE, given, notice, link=_confirm_link(request), client_addr=_address(request)
    )
    return render(
        request,
        "consent/sent.html",
        {
            "state": state,
            "double_opt_in": flows.double_opt_in(),
            "hours": int(flows.link_lifetime().total_seconds() // 3600),
        },
    )


@public
@require_http_methods(["GET", "POST"])
def give(request):
    """The public consent form: the notice, an e-mail address (and name), one button."""
    current = notices.current(PURPOSE)
    context = {"notice": current}
    if request.method == "POST":
        return _handle(
            request, State.GRANTED, ConsentForm(request.POST), "consent/give.html", context
        )
    form = ConsentForm(initial={"notice": current.notice.sha256})
    return render(request, "consent/give.html", {**context, "form": form})


@public
@require_http_methods(["GET", "POST"])
def withdraw(request):
    """The public withdrawal form: an e-mail address, one button."""
    if request.method == "POST":
        return _handle(
            request, State.WITHDRAWN, PublicForm(request.POST), "consent/withdraw.html", {}
        )
    return render(request, "consent/withdraw.html", {"form": PublicForm()})


@public
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The link e-mailed for double opt-in: one button records the change, once."""
    found = flows.pending_for(token)
    if found is None:
        return render(request, "consent/invalid.html", status=404)
    pending, _ = found
    if request.method == "POST":
        if not flows.confirm(token, client_addr=_address(request)):
            return render(request, "consent/invalid.html", status=404)
        return render(request, "consent/done.html", {"state": pending.state})
    return render(request, "consent/confirm.html", {"pending": pending, "token": token})


@public
@require_http_methods(["GET", "POST"])
def withdraw_link(request, token: str):
    """The withdrawal link of a marketing e-mail: one button withdraws."""
    if flows.withdrawal_for(token) is None:
        return render(request, "consent/invalid.html", status=404)
    if request.method == "POST":
        flows.withdraw_by_link(token, client_addr=_address(request))
        return render(request, "consent/done.html", {"state": State.WITHDRAWN})
    return render(request, "consent/withdraw_link.html", {"token": token})
