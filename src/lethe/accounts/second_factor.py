"""TOTP second factor and recovery codes: who needs one, enrolment, and checking a code.

The session says where its user stands (SESSION_KEY): "verify" when a code is still
due after the password, "enrol" when the user's roles demand a second factor they have
not set up, "done" once passed. It is set at log-in, so every request is decided
without a query; a new session (log-in) starts the check afresh.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lethe.accounts.models import RecoveryCode, User
from lethe.audit import log
from lethe.audit.models import Action
from lethe.vault.policy import Actor, Role

SESSION_KEY = "lethe_second_factor"
VERIFY, ENROL, DONE = "verify", "enrol", "done"
REQUIRED_FOR = frozenset({Role.ADMIN, Role.DPO})
RECOVERY_CODES = 10


def device_of(user: User) -> TOTPDevice | None:
    """Return the user's confirmed TOTP device, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def state_at_login(user: User) -> str | None:
    """Return what a fresh session of `user` still owes: VERIFY, ENROL or nothing."""
    if device_of(user) is not None:
        return VERIFY
    if user.roles & REQUIRED_FOR:
        return ENROL
    return None


def pending_device(user: User) -> TOTPDevice:
    """Return the unconfirmed device being enrolled (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def _new_code() -> str:
    """Return 80 random bits as four groups of five hex digits."""
    raw = secrets.token_hex(10)
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


@transaction.atomic
def enrol(actor: Actor, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm `device` with a code from it; return new recovery codes (None: wrong code)."""
    if not device.verify_token(code.strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(c)) for c in codes)
    log.record(
        actor,
        Action.UPDATE,
        record_kind="user",
        record_id=user.pk,
        detail={"second_factor": "enrolled"},
    )
    return codes


def check(user: User, code: str) -> str | None:
    """Return "totp" or "recovery" if `code` passes for `user` (a recovery code once only)."""
    device = device_of(user)
    if device is None:
        return None
    code = code.strip()
    if code.isdigit() and device.verify_token(code):
        return "totp"
    used = RecoveryCode.objects.filter(user=user, digest=_digest(code), used_at=None).update(
        used_at=timezone.now()
    )
    return "recovery" if used else None
