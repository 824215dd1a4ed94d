"""Forms for logging in."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction

from lethe.accounts import throttle
from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.core.clientaddr import client_address
from lethe.vault.policy import Actor


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing attempts that come too fast after failures."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait_for = throttle.wait(email, address)
        if wait_for is not None:
            self._audit_throttled(address)
            raise ValidationError(
                "Too many failed log-ins. Try again in %(wait)s.",
                code="throttled",
                params={"wait": throttle.in_words(wait_for)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.failed(email, address)
            raise
        throttle.succeeded(email, address)
        return cleaned

    def _audit_throttled(self, address: str) -> None:
        actor = Actor(
            "anonymous",
            "-",
            frozenset(),
            request_id=getattr(self.request, "request_id", ""),
            client_addr=address,
        )
        with transaction.atomic():
            log.record(
                actor, Action.LOGIN_FAILURE, outcome=Outcome.DENIED, detail={"reason": "throttled"}
            )
