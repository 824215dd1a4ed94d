"""Helpers for the portal tests: ask for links, read them from the outbox, move time."""

from __future__ import annotations

import contextlib
import datetime
import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from lethe.contacts.actions import create_contact
from lethe.vault.policy import Actor, Purpose

LINK = re.compile(r"http://testserver(/portal/link/[^/\s]+/)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def ask(client: Client, email: str, kind: str = "access", correction: str = ""):
    """Submit the portal's request form as a browser would."""
    return client.post("/portal/", {"kind": kind, "email": email, "correction": correction})


def ask_to_follow(client: Client, email: str):
    return client.post("/portal/follow/", {"email": email})


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def last_link(to: str) -> str:
    """Return the (one) link of the last message sent to `to`."""
    message = [m for m in mail.outbox if m.to == [to]][-1]
    (link,) = links_in(message)
    return link


def without_csrf(html: str) -> str:
    return CSRF.sub('name="csrfmiddlewaretoken" value="…"', html)


@contextlib.contextmanager
def later(**delta):
    """Move the clock forward: signed tokens and cookies, and timezone.now()."""
    step = datetime.timedelta(**delta)
    now, clock = timezone.now(), time.time()
    with (
        mock.patch("django.utils.timezone.now", return_value=now + step),
        mock.patch("django.core.signing.time.time", return_value=clock + step.total_seconds()),
    ):
        yield


def confirm(client: Client, link: str):
    """Open the link (a page with a button) and press the button."""
    assert client.get(link).status_code == 200
    return client.post(link)


@pytest.fixture
def known(people):
    """A person Lethe holds: a contact with an e-mail address."""
    person = people(1, seed=41)[0]
    create_contact(
        Actor.system("tests"),
        Purpose.CUSTOMER_RELATIONSHIP,
        {
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "email": person["email"],
        },
        {},
    )
    return person["email"][0]


@pytest.fixture
def stranger():
    """An address Lethe has never seen."""
    return "ingen.alls@example.net"
