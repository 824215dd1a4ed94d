"""The public privacy notice (Art. 13 and 14), generated from the purposes registry.

Each published version keeps the exact text shown and its SHA-256, so a consent
record can say which notice a person saw. A new version is published whenever the
generated text changes: after a purpose changes (inside that change's transaction),
or when the organisation's configured contact details change (noticed when the
notice is next shown).
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.purposes import categories as cats
from lethe.purposes.models import LegalBasis, NoticeVersion, Purpose
from lethe.purposes.registry import organisation
from lethe.vault.policy import Actor
from lethe.vault.policy import Purpose as VaultPurpose

SUPERVISORY_AUTHORITY = (
    "Integritetsskyddsmyndigheten (IMY), the Swedish Authority for Privacy Protection",
    "Box 8114, 104 20 Stockholm, Sweden; imy@imy.se; www.imy.se",
)


def _context() -> dict:
    purposes = list(Purpose.objects.filter(in_notice=True))
    return {
        "org": organisation(),
        "purposes": [
            {
                "purpose": p,
                "categories": [cats.label(c) for c in p.data_categories],
            }
            for p in purposes
        ],
        "consent_purposes": [p for p in purposes if p.legal_basis == LegalBasis.CONSENT],
        "interest_purposes": [
            p for p in purposes if p.legal_basis == LegalBasis.LEGITIMATE_INTERESTS
        ],
        "authority": SUPERVISORY_AUTHORITY,
    }


def render() -> str:
    """Return the notice's text (an HTML fragment) as the registry says now."""
    return render_to_string("purposes/notice_text.html", _context()).strip() + "\n"


def digest(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def latest() -> NoticeVersion | None:
    return NoticeVersion.objects.order_by("-number").first()


def publish(actor: Actor) -> NoticeVersion:
    """Publish the generated notice as a new version if it differs from the latest one.

    Runs inside the caller's transaction (a purpose change), so a change and the
    notice that follows from it are committed together.
    """
    html = render()
    sha = digest(html)
    last = NoticeVersion.objects.select_for_update().order_by("-number").first()
    if last is not None and last.sha256 == sha:
        return last
    version = NoticeVersion.objects.create(
        number=(last.number + 1) if last else 1,
        html=html,
        sha256=sha,
        published_at=timezone.now(),
        published_by=actor.label,
    )
    log.record(
        actor,
        Action.CREATE,
        record_kind="privacy_notice",
        record_id=str(version.number),
        purpose=VaultPurpose.ACCOUNTABILITY,
        detail={"sha256": sha},
    )
    return version


def current() -> NoticeVersion:
    """Return the version in force, publishing the generated text first if it changed."""
    last = latest()
    if last is not None and last.sha256 == digest(render()):
        return last
    try:
        with transaction.atomic():
            return publish(Actor.system("privacy-notice"))
    except IntegrityError:  # another process published the same change first
        return latest()
