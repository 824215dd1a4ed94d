"""The portal's e-mail: plain-text messages through Django's e-mail (lethe.accounts.mail).

Every message says what happens next, so a person who did not ask for it knows that
nothing happens unless they follow the link.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string

from lethe.dsr.models import Request


def _send(to: str, subject: str, template: str, context: dict) -> None:
    send_mail(subject, render_to_string(template, context), None, [to])


def open_link(to: str, kind: str, url: str, hours: int) -> None:
    """Send the link that confirms a new request."""
    _send(
        to,
        "Confirm your request about your personal data",
        "portal/mail/open.txt",
        {"kind": Request.Kind(kind).label, "url": url, "hours": hours},
    )


def follow_links(to: str, found: list[tuple[Request, str]], start_url: str, hours: int) -> None:
    """Send a link to each request made from this address (or say that there is none)."""
    _send(
        to,
        "Your requests about your personal data",
        "portal/mail/follow.txt",
        {"found": found, "start_url": start_url, "hours": hours},
    )


def registered(to: str, request: Request, follow_url: str) -> None:
    """Confirm that the request is registered, with its deadline."""
    _send(
        to,
        f"Your request #{request.pk} is registered",
        "portal/mail/registered.txt",
        {"request": request, "follow_url": follow_url},
    )
