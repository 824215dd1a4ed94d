"""Re-authentication: sensitive pages and exports want the password again within 5 minutes."""

import time
from urllib.parse import quote

import pytest

from lethe.accounts import reauth
from lethe.accounts.models import RoleGrant, User
from lethe.accounts.tokens import create as create_token
from lethe.audit.models import Action, AuditEvent, Outcome
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.helpers import PASSWORD, client_with

pytestmark = pytest.mark.django_db(databases=ALL)

EXPORT = "/api/v1/contacts/export.csv"


def test_a_role_change_without_a_fresh_password_goes_to_the_confirm_page_and_back():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    page = f"/settings/users/{seller.pk}/roles/"
    response = admin.get(page)
    assert response.status_code == 302
    assert response["Location"] == "/reauth/?next=" + quote(page, safe="")
    response = admin.post(response["Location"], {"password": PASSWORD, "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert admin.get(page).status_code == 200


def test_a_post_is_not_replayed_after_confirming_the_form_is_shown_again():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    page = f"/settings/users/{seller.pk}/roles/"
    response = admin.post(page, {"roles": ["admin"]})
    assert response.status_code == 302 and response["Location"].startswith("/reauth/")
    assert not RoleGrant.objects.filter(user=seller, role="admin").exists()


def test_a_wrong_password_is_an_inline_error_and_audited():
    admin, _ = client_with("admin")
    response = admin.post("/reauth/", {"password": "not it at all", "next": "/settings/users/"})
    assert response.status_code == 400
    assert "Your password: that is not your password" in response.content.decode()
    assert reauth.SESSION_KEY not in admin.session
    event = AuditEvent.objects.filter(action=Action.LOGIN_FAILURE).get()
    assert event.outcome == Outcome.DENIED and event.detail == {"reauthentication": True}
    assert admin.post("/reauth/", {"password": "", "next": "/"}).status_code == 400


def test_the_confirmation_lasts_five_minutes():
    admin, user = client_with("admin", fresh=True)
    page = f"/settings/users/{user.pk}/roles/"
    assert admin.get(page).status_code == 200
    session = admin.session
    session[reauth.SESSION_KEY] = int(time.time()) - 5 * 60 - 1
    session.save()
    assert admin.get(page).status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_the_confirm_page_never_sends_you_off_site(target):
    client, _ = client_with("sales")
    response = client.post("/reauth/", {"password": PASSWORD, "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_export_with_a_session_asks_to_reauthenticate_with_a_link():
    client, _ = client_with("sales")
    response = client.get(EXPORT, {"q": "Berg"})
    assert response.status_code == 403
    body = response.json()
    assert body["detail"] == "re-authenticate"
    assert body["reauthenticate"] == "/reauth/?next=" + quote(f"{EXPORT}?q=Berg", safe="")
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    client.post("/reauth/", {"password": PASSWORD, "next": EXPORT})
    assert client.get(EXPORT).status_code == 200
    assert client.get("/api/v1/companies/export.csv").status_code == 200


def test_a_fresh_user_following_the_export_link_goes_straight_to_the_file():
    client, _ = client_with("sales", fresh=True)
    response = client.get("/reauth/", {"next": EXPORT})
    assert response.status_code == 302 and response["Location"] == EXPORT


def test_a_bearer_token_exports_without_reauthenticating():
    user = User.objects.create_user("robot@lethe.example", PASSWORD)
    RoleGrant.objects.create(user=user, role="finance")
    _, secret = create_token(Actor.system("tests"), user, "export job")
    client = client_with(None, "bystander")[0]
    client.logout()
    response = client.get(EXPORT, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    response = client.get(
        "/api/v1/companies/export.csv", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200


def test_the_confirm_page_needs_a_signed_in_user():
    from django.test import Client

    response = Client().get("/reauth/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
