"""Pages for the second factor: enrolment with recovery codes, and the code at log-in."""

from __future__ import annotations

from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from lethe.accounts import second_factor
from lethe.accounts.access import signed_in
from lethe.accounts.actions import actor_for
from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.core.clientaddr import client_address
from lethe.vault.policy import Actor


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@signed_in
def two_factor(request):
    """Show whether a TOTP device is set up; enrol one (confirmed by a code) if not."""
    user = request.user
    if second_factor.device_of(user) is not None:
        remaining = user.recovery_codes.filter(used_at=None).count()
        return render(request, "accounts/two_factor_on.html", {"remaining": remaining})
    device = second_factor.pending_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.enrol(
            actor_for(user, request=request), user, device, form.cleaned_data["code"]
        )
        if codes is not None:
            request.session[second_factor.SESSION_KEY] = second_factor.DONE
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("code", "that code is not right; check the time on your device")
    context = {
        "form": form,
        "secret": b32encode(device.bin_key).decode(),
        "uri": device.config_url,
        "required": bool(user.roles & second_factor.REQUIRED_FOR),
        "next": _next(request),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


@signed_in
def verify(request):
    """Ask for the TOTP code (or a recovery code) after the password."""
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        passed = second_factor.check(request.user, form.cleaned_data["code"])
        actor = actor_for(request.user, request=request)
        with transaction.atomic():
            log.record(
                actor,
                Action.LOGIN_SUCCESS if passed else Action.LOGIN_FAILURE,
                outcome=Outcome.ALLOWED if passed else Outcome.DENIED,
                record_kind="user",
                record_id=request.user.pk,
                detail={"second_factor": passed or "wrong code"},
            )
        if passed:
            request.session[second_factor.SESSION_KEY] = second_factor.DONE
            return redirect(_next(request))
        form.add_error("code", "that code is not right")
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's set-a-new-password page (single-use, expiring link), audited on success."""

    def form_valid(self, form):
        response = super().form_valid(form)
        with transaction.atomic():
            log.record(
                Actor("user", str(form.user.pk), form.user.roles, client_addr=self._address()),
                Action.UPDATE,
                record_kind="user",
                record_id=form.user.pk,
                detail={"password": "reset by e-mail link"},
            )
        return response

    def _address(self) -> str:
        return client_address(self.request)
