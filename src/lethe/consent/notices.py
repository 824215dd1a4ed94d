"""Notice texts: stored once by SHA-256, and published in versions per purpose.

The ledger references the exact text a person was shown. A text given through the
API or the contact page is stored as it is; `publish` makes a text the next version
of the notice the public consent form shows for a purpose.
"""

from __future__ import annotations

import hashlib
import re

from django.db import IntegrityError, transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.consent.models import CONSENTABLE, NoticeText, PublishedNotice
from lethe.vault.policy import Actor, Purpose

MAX_LENGTH = 20_000
REFERENCE = re.compile(r"sha256:([0-9a-f]{64})")

DEFAULT_TEXTS = {
    Purpose.DIRECT_MARKETING: (
        "Yes, send me news, offers and invitations by e-mail (direct marketing). "
        "For this we keep my name and e-mail address until I withdraw my consent, "
        "which I can do at any time, as easily as I give it: with the link in every "
        "e-mail or on the withdrawal page. Withdrawing does not make earlier mailings "
        "unlawful. The privacy notice tells me more about how my data is used and my rights."
    ),
}


class NoticeError(ValueError):
    """A notice text or reference that cannot be used; the message says why."""


def digest(text: str) -> str:
    """Return the SHA-256 (hex) of a notice text, as stored and referenced."""
    return hashlib.sha256(text.encode()).hexdigest()


def clean(text: object) -> str:
    """Return the text as it will be stored, or raise NoticeError."""
    if not isinstance(text, str) or not text.strip():
        raise NoticeError("give the exact notice text the person was shown")
    if len(text) > MAX_LENGTH:
        raise NoticeError(f"a notice text has at most {MAX_LENGTH} characters")
    return text.replace("\r\n", "\n").strip()


def store(text: object) -> NoticeText:
    """Return the stored notice with exactly this text, storing it if it is new."""
    text = clean(text)
    sha = digest(text)
    found = NoticeText.objects.filter(sha256=sha).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return NoticeText.objects.create(sha256=sha, text=text)
    except IntegrityError:  # stored at the same moment by another request
        return NoticeText.objects.get(sha256=sha)


def resolve(given: object) -> NoticeText:
    """Return the notice for `given`: a text, or "sha256:<hex>" naming a stored one."""
    if isinstance(given, str) and (match := REFERENCE.fullmatch(given.strip())):
        found = NoticeText.objects.filter(sha256=match.group(1)).first()
        if found is None:
            raise NoticeError("no notice text with this SHA-256 is stored")
        return found
    return store(given)


def current(purpose: Purpose) -> PublishedNotice:
    """Return the latest published notice for the purpose (publishing the default first)."""
    purpose = Purpose(purpose)
    found = PublishedNotice.objects.filter(purpose=purpose).select_related("notice").first()
    if found is not None:
        return found
    if purpose not in DEFAULT_TEXTS:
        raise NoticeError(f"no notice is published for {purpose}")
    try:
        return publish(Actor.system("consent-notices"), purpose, DEFAULT_TEXTS[purpose])
    except IntegrityError:  # published at the same moment by another request
        return PublishedNotice.objects.filter(purpose=purpose).select_related("notice").first()


@transaction.atomic
def publish(actor: Actor, purpose: Purpose, text: object) -> PublishedNotice:
    """Make `text` the next version of the purpose's notice; the same text is not repeated."""
    purpose = Purpose(purpose)
    if purpose not in CONSENTABLE:
        raise NoticeError(f"{purpose} does not rest on consent")
    notice = store(text)
    latest = PublishedNotice.objects.filter(purpose=purpose).select_related("notice").first()
    if latest is not None and latest.notice_id == notice.pk:
        return latest
    published = PublishedNotice.objects.create(
        purpose=purpose,
        version=(latest.version if latest else 0) + 1,
        notice=notice,
        published_by=actor.label,
    )
    log.record(
        actor,
        Action.UPDATE,
        record_kind="consent_notice",
        record_id=published.pk,
        purpose=purpose,
        detail={"version": published.version, "sha256": notice.sha256},
    )
    return published


def versions(notice_ids) -> dict[int, list[dict]]:
    """Return {notice id: [{purpose, version}]} for the published versions of these texts."""
    found: dict[int, list[dict]] = {}
    for notice, purpose, version in PublishedNotice.objects.filter(
        notice_id__in=set(notice_ids)
    ).values_list("notice_id", "purpose", "version"):
        found.setdefault(notice, []).append({"purpose": purpose, "version": version})
    return found
