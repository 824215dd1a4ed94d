"""Audit log-ins: a success names the user; a failure names no one (the typed e-mail may
not belong to any user, and is personal data either way)."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from lethe.accounts import second_factor
from lethe.accounts.middleware import LOGIN_AT, SEEN_AT
from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.core.clientaddr import client_address
from lethe.vault.policy import Actor


def _request_facts(request) -> dict:
    if request is None:
        return {"request_id": "", "client_addr": ""}
    return {
        "request_id": getattr(request, "request_id", ""),
        "client_addr": client_address(request),
    }


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    actor = Actor("user", str(user.pk), user.roles, **_request_facts(request))
    with transaction.atomic():
        log.record(actor, Action.LOGIN_SUCCESS, record_kind="user", record_id=user.pk)


@receiver(user_logged_in)
def stamp_login(sender, request, user, **kwargs):
    """Note when the session began: the absolute session limit counts from here."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = request.session[SEEN_AT] = timezone.now().timestamp()
        state = second_factor.state_at_login(user)
        if state:
            request.session[second_factor.SESSION_KEY] = state


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs):
    actor = Actor("anonymous", "-", frozenset(), **_request_facts(request))
    with transaction.atomic():
        log.record(
            actor, Action.LOGIN_FAILURE, outcome=Outcome.DENIED, detail={"reason": "credentials"}
        )
