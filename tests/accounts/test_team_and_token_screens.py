"""The admin's team and API token screens: forms with inline errors, fixed queries, roles."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.accounts import actions
from lethe.accounts.models import ApiToken, Team
from lethe.accounts.tokens import create as create_token
from lethe.accounts.tokens import user_for
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


def test_an_admin_creates_renames_fills_and_deletes_a_team_on_the_pages():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    assert admin.post("/settings/teams/", {"name": "Norr"}).status_code == 302
    team = Team.objects.get()
    page = f"/settings/teams/{team.pk}/"
    assert admin.post(page, {"form": "member", "user": seller.pk}).status_code == 302
    assert list(team.members.all()) == [seller]
    assert admin.post(page, {"form": "rename", "name": "Syd"}).status_code == 302
    assert Team.objects.get().name == "Syd"
    html = admin.get("/settings/teams/").content.decode()
    assert "Syd" in html and "sales@lethe.example" in html
    remove = f"/settings/teams/{team.pk}/members/{seller.pk}/remove/"
    assert admin.post(remove).status_code == 302 and not team.members.exists()
    assert admin.post(f"/settings/teams/{team.pk}/delete/").status_code == 302
    assert not Team.objects.exists()


@pytest.mark.parametrize("name", ["", "  ", "x" * 101, "taken"])
def test_a_bad_team_name_is_an_inline_error(name):
    admin, _ = client_with("admin")
    actions.create_team(SYSTEM, "Taken")
    response = admin.post("/settings/teams/", {"name": name})
    assert response.status_code == 400 and "Team name:" in response.content.decode()
    assert Team.objects.count() == 1


@pytest.mark.parametrize("user", ["", "999999", "abc"])
def test_a_bad_member_is_an_inline_error(user):
    admin, _ = client_with("admin")
    team = actions.create_team(SYSTEM, "Norr")
    response = admin.post(f"/settings/teams/{team.pk}/", {"form": "member", "user": user})
    assert response.status_code == 400 and "Add a member:" in response.content.decode()
    assert not team.members.exists()


def test_renaming_to_a_taken_name_is_an_inline_error():
    admin, _ = client_with("admin")
    actions.create_team(SYSTEM, "Taken")
    team = actions.create_team(SYSTEM, "Mine")
    response = admin.post(f"/settings/teams/{team.pk}/", {"form": "rename", "name": "TAKEN"})
    assert response.status_code == 400 and "Team name:" in response.content.decode()
    assert Team.objects.get(pk=team.pk).name == "Mine"


def test_the_team_list_costs_the_same_queries_for_2_or_20_teams():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    for i in range(2):
        actions.set_membership(SYSTEM, actions.create_team(SYSTEM, f"T{i}"), seller, True)
    with CaptureQueriesContext(connections["default"]) as few:
        admin.get("/settings/teams/")
    for i in range(2, 20):
        actions.set_membership(SYSTEM, actions.create_team(SYSTEM, f"T{i}"), seller, True)
    with CaptureQueriesContext(connections["default"]) as many:
        assert "T19" in admin.get("/settings/teams/").content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_new_token_shows_its_secret_once_and_works():
    admin, _ = client_with("admin", fresh=True)
    _, seller = client_with("sales")
    response = admin.post("/settings/tokens/", {"user": seller.pk, "name": "CRM sync", "days": 30})
    assert response.status_code == 200
    html = response.content.decode()
    secret = html.split("<code>lethe_", 1)[1].split("</code>", 1)[0]
    assert user_for("lethe_" + secret) == seller
    assert "lethe_" + secret not in admin.get("/settings/tokens/").content.decode()


def test_creating_a_token_asks_for_the_password_first():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    response = admin.post("/settings/tokens/", {"user": seller.pk, "name": "x", "days": 30})
    assert response.status_code == 302 and response["Location"].startswith("/reauth/")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "Token name"),
        ({"name": "x" * 101}, "Token name"),
        ({"days": "0"}, "Valid for (days)"),
        ({"days": "367"}, "Valid for (days)"),
        ({"days": "many"}, "Valid for (days)"),
        ({"user": "999999"}, "For user"),
        ({"user": ""}, "For user"),
    ],
)
def test_a_bad_token_is_an_inline_error_and_nothing_is_written(change, field):
    admin, _ = client_with("admin", fresh=True)
    _, seller = client_with("sales")
    body = {"user": seller.pk, "name": "CRM sync", "days": 30, **change}
    response = admin.post("/settings/tokens/", body)
    assert response.status_code == 400 and f"{field}:" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_token_list_shows_last_use_and_revoking_ends_a_token():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    token, secret = create_token(SYSTEM, seller, "CRM sync")
    html = admin.get("/settings/tokens/").content.decode()
    assert token.prefix in html and "never" in html and "CRM sync" in html
    user_for(secret)
    assert "never" not in admin.get("/settings/tokens/").content.decode()
    assert admin.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 302
    assert user_for(secret) is None
    assert "revoked" in admin.get("/settings/tokens/").content.decode()
    assert admin.post("/settings/tokens/999999/revoke/").status_code == 404


def test_the_token_list_costs_the_same_queries_for_2_or_20_tokens():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    for i in range(2):
        create_token(SYSTEM, seller, f"t{i}")
    with CaptureQueriesContext(connections["default"]) as few:
        admin.get("/settings/tokens/")
    for i in range(2, 20):
        create_token(SYSTEM, seller, f"t{i}")
    with CaptureQueriesContext(connections["default"]) as many:
        admin.get("/settings/tokens/")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", [None, "sales", "dpo", "auditor"])
def test_only_admins_open_the_team_and_token_screens(role):
    client, user = client_with(role, fresh=True)
    team = actions.create_team(SYSTEM, "Norr")
    token, _ = create_token(SYSTEM, user, "mine")
    assert client.get("/settings/teams/").status_code == 403
    assert client.get(f"/settings/teams/{team.pk}/").status_code == 403
    assert client.post("/settings/teams/", {"name": "Syd"}).status_code == 403
    assert client.post(f"/settings/teams/{team.pk}/delete/").status_code == 403
    assert client.get("/settings/tokens/").status_code == 403
    assert client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 403
    assert Team.objects.count() == 1 and ApiToken.objects.get().revoked_at is None
