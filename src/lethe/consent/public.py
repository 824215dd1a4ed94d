"""The public side: a person gives or withdraws consent themselves, by form and e-mail link.

`ask` handles a submitted form. With double opt-in (the default) nothing is recorded
yet: what the person typed is sealed under a record key of its own and a signed,
single-use link that expires is e-mailed to the address; `confirm` records the change
when the person follows it (channel web form). Without double opt-in `ask` records at
once. Either way the answer is the same for known, unknown and suppressed addresses.

Consent from an address that matches no one creates the person as a lead (through
lethe.contacts.actions, as a system job), unless the address is suppressed: then
nothing is recorded. A withdrawal is recorded for every person with the address.

`withdrawal_token` makes the signed token of the link for marketing e-mails: following it and
pressing one button withdraws (channel e-mail); it names the person by pseudonym only.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from lethe.audit import log
from lethe.audit.models import Action
from lethe.consent import ledger
from lethe.consent.models import Channel, NoticeText, PendingConfirmation, State
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.dsr import suppression
from lethe.dsr.models import Suppression
from lethe.vault import documents, fields, gate
from lethe.vault.models import RecordKey, Subject
from lethe.vault.policy import Actor, Purpose, Role

CONFIRM_SALT = "lethe.consent.confirm"
WITHDRAW_SALT = "lethe.consent.withdraw"
KEY_KIND = "consent.pending"


def form_actor(job: str, client_addr: str = "") -> Actor:
    """Return the system actor that acts for a person using the public pages."""
    return Actor("system", job, frozenset({Role.SYSTEM}), client_addr=client_addr)


def double_opt_in() -> bool:
    return bool(settings.LETHE_CONSENT_DOUBLE_OPT_IN)


def link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.LETHE_CONSENT_LINK_HOURS)


@dataclass(frozen=True)
class Given:
    """What a person typed into the public form (cleaned)."""

    email: str
    first_name: str = ""
    last_name: str = ""

    def personal(self) -> dict:
        """Return the personal fields of a new contact made from this."""
        names = {"first_name": self.first_name, "last_name": self.last_name}
        return {"email": [self.email], **{k: v for k, v in names.items() if v}}


def subjects_with(email: str) -> list[Subject]:
    """Return the people (not erased) who have this e-mail address; values are not read."""
    field = fields.get("email")
    terms = field.index_terms(field.cleaned([email]))
    found = gate.match(form_actor("consent-lookup"), "email", terms, Purpose.DIRECT_MARKETING)
    ids = set().union(*found.values()) if found else set()
    return list(Subject.objects.filter(id__in=ids).exclude(status=Subject.Status.ERASED))


def is_suppressed(email: str) -> bool:
    """Return whether the address is on the suppression list, for any reason."""
    return bool(suppression.matches([(Suppression.Kind.EMAIL, email)]))


def apply(
    actor: Actor,
    state: State,
    purpose: Purpose,
    given: Given,
    notice: NoticeText | None,
    *,
    channel: Channel = Channel.WEB_FORM,
    requested_at=None,
    confirmed: bool = False,
) -> int:
    """Record the change for everyone with the address; return how many events (0: none)."""
    with transaction.atomic():
        if state == State.GRANTED and is_suppressed(given.email):
            return 0
        subjects = subjects_with(given.email)
        if not subjects:
            if state == State.WITHDRAWN:
                return 0
            contact = create_contact(
                actor,
                purpose,
                given.personal(),
                {"stage": Contact.Stage.LEAD, "source": Contact.Source.WEB_FORM},
            )
            subjects = [contact.subject]
        events = ledger.record(
            actor,
            subjects,
            purpose,
            state,
            channel,
            notice,
            requested_at=requested_at,
            double_opt_in=confirmed,
        )
    return len(events)


def ask(
    state: State,
    purpose: Purpose,
    given: Given,
    notice: NoticeText | None,
    *,
    link: Callable[[str], str],
    client_addr: str = "",
) -> None:
    """Handle a submitted public form: e-mail a confirmation link, or record at once.

    `link(token)` returns the absolute address of the confirmation page for a token.
    """
    actor = form_actor(f"consent-form:{state}", client_addr)
    if not double_opt_in():
        apply(actor, state, purpose, given, notice)
        return
    purge_expired()
    if state == State.GRANTED and is_suppressed(given.email):
        return
    if state == State.WITHDRAWN and not subjects_with(given.email):
        return
    nonce = secrets.token_urlsafe(24)
    now = timezone.now()
    with transaction.atomic():
        key = documents.new_record_key(KEY_KIND)
        pending = PendingConfirmation(
            id=uuid.uuid4(),
            state=state,
            purpose=purpose,
            notice=notice,
            record_key=key,
            nonce_sha256=hashlib.sha256(nonce.encode()).hexdigest(),
            requested_at=now,
            expires_at=now + link_lifetime(),
        )
        pending.details = documents.seal(
            actor, purpose, [(key, KEY_KIND, json.dumps(given.__dict__, sort_keys=True))]
        )[0]
        pending.save()
        log.record(
            actor,
            Action.CREATE,
            record_kind="consent_confirmation",
            record_id=pending.pk,
            purpose=purpose,
            detail={"state": str(state)},
        )
    token = signing.dumps({"p": str(pending.pk), "n": nonce}, salt=CONFIRM_SALT)
    _send(state, given.email, link(token))


def _send(state: State, email: str, url: str) -> None:
    hours = settings.LETHE_CONSENT_LINK_HOURS
    what = (
        "to receive news and offers from us by e-mail"
        if state == State.GRANTED
        else "to stop receiving news and offers from us by e-mail"
    )
    send_mail(
        "Please confirm" if state == State.GRANTED else "Please confirm your withdrawal",
        f"Someone, we hope you, asked {what}.\n\n"
        f"To confirm, open this link within {hours} hours and press the button:\n{url}\n\n"
        "If it was not you, ignore this message: nothing changes.\n",
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )


def pending_for(token: str) -> tuple[PendingConfirmation, str] | None:
    """Return the pending confirmation a token names, with its nonce, while it is valid."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=link_lifetime())
        pending = PendingConfirmation.objects.select_related("notice").get(pk=data["p"])
    except (
        signing.BadSignature,
        PendingConfirmation.DoesNotExist,
        KeyError,
        ValueError,
        TypeError,
    ):
        return None
    digest = hashlib.sha256(str(data.get("n", "")).encode()).hexdigest()
    if not constant_time_compare(digest, pending.nonce_sha256):
        return None
    if pending.expires_at <= timezone.now():
        return None
    return pending, data["n"]


def confirm(token: str, client_addr: str = "") -> bool:
    """Record the change a valid link asks for, once; return False for a bad or used link."""
    found = pending_for(token)
    if found is None:
        return False
    actor = form_actor("consent-form:confirmed", client_addr)
    with transaction.atomic():
        # No joins in the locking query: PostgreSQL cannot lock the nullable side of one.
        pending = PendingConfirmation.objects.select_for_update().filter(pk=found[0].pk).first()
        if pending is None:  # confirmed a moment ago by another request
            return False
        details = [pending.details] if pending.details_id else []
        text = documents.open_many(actor, pending.purpose, details).get(pending.details_id)
        key, notice = pending.record_key, pending.notice
        pending.delete()
        if isinstance(text, str):
            given = Given(**json.loads(text))
            apply(
                actor,
                State(pending.state),
                Purpose(pending.purpose),
                given,
                notice,
                requested_at=pending.requested_at,
                confirmed=True,
            )
    documents.shred_records(actor, [key], reason="consent_confirmed")
    return True


def purge_expired(now=None) -> int:
    """Destroy what expired links would have confirmed (sealed addresses and their keys)."""
    now = now or timezone.now()
    expired = list(
        PendingConfirmation.objects.filter(expires_at__lte=now).select_related("record_key")
    )
    keys = [p.record_key for p in expired]
    PendingConfirmation.objects.filter(pk__in=[p.pk for p in expired]).delete()
    orphans = RecordKey.objects.filter(kind=KEY_KIND, shredded_at__isnull=True).exclude(
        id__in=PendingConfirmation.objects.values("record_key")
    )
    keys += [k for k in orphans if k.id not in {key.id for key in keys}]
    if keys:
        documents.shred_records(form_actor("consent-purge"), keys, reason="consent_link_expired")
    return len(expired)


def withdrawal_token(subject_id: uuid.UUID, purpose: Purpose = Purpose.DIRECT_MARKETING) -> str:
    """Return the signed token of a withdrawal link for one person (by pseudonym)."""
    return signing.dumps({"s": str(subject_id), "p": str(purpose)}, salt=WITHDRAW_SALT)


def withdrawal_for(token: str) -> tuple[Subject, Purpose] | None:
    """Return the person and purpose a withdrawal link names, or None for a bad link."""
    try:
        data = signing.loads(token, salt=WITHDRAW_SALT)
        subject = Subject.objects.get(pk=uuid.UUID(data["s"]))
        purpose = Purpose(data["p"])
    except (signing.BadSignature, Subject.DoesNotExist, KeyError, ValueError, TypeError):
        return None
    return subject, purpose


def withdraw_by_link(token: str, client_addr: str = "") -> bool:
    """Record the withdrawal a link asks for (channel e-mail); False if there is nothing to do."""
    found = withdrawal_for(token)
    if found is None or found[0].status == Subject.Status.ERASED:
        return False
    subject, purpose = found
    actor = form_actor("consent-withdrawal-link", client_addr)
    ledger.record(actor, [subject], purpose, State.WITHDRAWN, Channel.EMAIL, None)
    return True
