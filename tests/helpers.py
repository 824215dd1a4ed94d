"""Helpers for tests that go through Django's HTTP stack as a signed-in user."""

import json
import time

from django.test import Client

from lethe.accounts import reauth, second_factor
from lethe.accounts.models import RoleGrant, User

PASSWORD = "a long test password 1"


def client_with(
    role: str | None, name: str | None = None, *, fresh: bool = False
) -> tuple[Client, User]:
    """Return a client signed in as a new user holding `role` (None: no role), and the user.

    fresh: as if the user had just confirmed their password (lethe.accounts.reauth).
    """
    user = User.objects.create_user(f"{name or role or 'nobody'}@lethe.example", PASSWORD)
    if role:
        RoleGrant.objects.create(user=user, role=role)
    client = Client()
    client.force_login(user)
    passed_second_factor(client)
    if fresh:
        reauthenticate(client)
    return client, user


def passed_second_factor(client: Client) -> None:
    """Mark the client's session as past the TOTP step (admin and dpo need one)."""
    session = client.session
    session[second_factor.SESSION_KEY] = second_factor.DONE
    session.save()


def reauthenticate(client: Client) -> None:
    """Mark the client's session as having confirmed its password just now."""
    session = client.session
    session[reauth.SESSION_KEY] = int(time.time())
    session.save()


def post(client: Client, path: str, body: dict | None = None):
    """POST `body` as JSON."""
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def patch(client: Client, path: str, body: dict):
    """PATCH `body` as JSON."""
    return client.patch(path, json.dumps(body), content_type="application/json")
