"""Bearer tokens for the API: act as their user with the user's roles; shown once, stored
hashed, expiring, revocable, audited; a bad token is a 401 and never falls back."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from lethe.accounts import tokens
from lethe.accounts.models import ApiToken
from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_acts_as_its_user_without_a_session_or_csrf():
    _, user = client_with("sales")
    token, secret = tokens.create(SYSTEM, user, "integration")
    assert secret not in token.digest and token.digest != secret
    api = Client(enforce_csrf_checks=True)
    created = api.post(
        "/api/v1/companies", {"name": "Token AB"}, content_type="application/json", **bearer(secret)
    )
    assert created.status_code == 201, created.content
    assert Company.objects.get().owner == user
    event = AuditEvent.objects.filter(record_kind="company", action=Action.CREATE).get()
    assert event.actor == f"user:{user.pk}"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_users_roles_limit_the_token():
    _, user = client_with("auditor")
    _, secret = tokens.create(SYSTEM, user, "audit export")
    assert Client().get("/api/v1/companies", **bearer(secret)).status_code == 403
    assert Client().get("/api/v1/audit/events", **bearer(secret)).status_code == 200


@pytest.mark.parametrize("state", ["wrong", "revoked", "expired", "inactive", "not-lethe"])
def test_bad_tokens_are_401_even_with_a_valid_session(state):
    client, user = client_with("sales")
    token, secret = tokens.create(SYSTEM, user, "t")
    if state == "wrong":
        secret = secret[:-2] + "xx"
    elif state == "revoked":
        tokens.revoke(SYSTEM, token)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    elif state == "inactive":
        user.is_active = False
        user.save()
    else:
        secret = "abc"
    assert client.get("/api/v1/companies", **bearer(secret)).status_code == 401


def test_the_command_creates_lists_and_revokes(capsys):
    _, user = client_with("sales", "cli")
    call_command("tokens", "create", user.email, "--name", "crm sync", "--days", "30")
    out = capsys.readouterr().out
    secret = next(line for line in out.splitlines() if line.startswith("lethe_"))
    token = ApiToken.objects.get()
    assert token.expires_at - timezone.now() > datetime.timedelta(days=29)
    call_command("tokens", "list")
    listed = capsys.readouterr().out
    assert token.prefix in listed and secret not in listed
    call_command("tokens", "revoke", str(token.pk))
    assert tokens.user_for(secret) is None
    with pytest.raises(CommandError):
        call_command("tokens", "create", "nobody@lethe.example", "--name", "x")
    with pytest.raises(CommandError):
        call_command("tokens", "create", user.email, "--name", "x", "--days", "0")
    with pytest.raises(CommandError):
        call_command("tokens", "revoke", "999")
    assert AuditEvent.objects.filter(record_kind="api_token").count() == 2


def test_scopes_limit_a_token_to_areas_and_to_reading():
    _, user = client_with("sales", "scoped")
    _, reader = tokens.create(SYSTEM, user, "read contacts", scopes=["contacts:read"])
    _, writer = tokens.create(SYSTEM, user, "deals", scopes=["deals:write"])
    api = Client()
    assert api.get("/api/v1/contacts", **bearer(reader)).status_code == 200
    created = api.post(
        "/api/v1/contacts", {"last_name": "X"}, content_type="application/json", **bearer(reader)
    )
    assert created.status_code == 403
    assert api.get("/api/v1/companies", **bearer(reader)).status_code == 403
    assert api.get("/api/v1/deals", **bearer(writer)).status_code == 200  # write includes read
    made = api.post(
        "/api/v1/deals", {"title": "Scoped"}, content_type="application/json", **bearer(writer)
    )
    assert made.status_code == 201, made.content
    with pytest.raises(ValueError, match="unknown scope"):
        tokens.create(SYSTEM, user, "bad", scopes=["contacts:delete"])
    with pytest.raises(ValueError, match="at least one scope"):
        tokens.create(SYSTEM, user, "none", scopes=[])


def test_the_command_and_the_screen_take_scopes(capsys):
    admin, _ = client_with("admin", "scoper", fresh=True)
    _, user = client_with("sales", "scoped-cli")
    call_command("tokens", "create", user.email, "--name", "ro", "--scope", "contacts:read")
    assert ApiToken.objects.get(name="ro").scopes == ["contacts:read"]
    with pytest.raises(CommandError):
        call_command("tokens", "create", user.email, "--name", "x", "--scope", "everything")
    bad = admin.post(
        "/settings/tokens/", {"user": user.pk, "name": "s", "days": 30, "scopes": "deals:admin"}
    )
    assert bad.status_code == 400 and b"unknown scope" in bad.content
    good = admin.post(
        "/settings/tokens/",
        {"user": user.pk, "name": "s", "days": 30, "scopes": "deals:read, contacts:write"},
    )
    assert good.status_code == 200
    assert ApiToken.objects.get(name="s").scopes == ["contacts:write", "deals:read"]
