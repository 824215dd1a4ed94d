"""Teams: teammates share ownership of contacts; admins manage teams through the API."""

import json

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.accounts import actions
from lethe.accounts.models import Team
from lethe.audit.models import AuditEvent
from lethe.contacts.actions import create_contact
from lethe.contacts.relations import CrmRelations
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


def contact_of(owner, **personal):
    return create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, personal, {"owner": owner})


def team_of(name, *users):
    team = actions.create_team(SYSTEM, name)
    for user in users:
        actions.set_membership(SYSTEM, team, user, True)
    return team


def test_a_teammate_reads_personal_data_of_a_colleagues_contact():
    _, owner = client_with("sales", "owner")
    colleague, mate = client_with("support", "mate")
    team_of("Norr", owner, mate)
    contact = contact_of(owner, first_name="Åsa", last_name="Öström")
    html = colleague.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Öström" in html
    body = colleague.get(f"/api/v1/contacts/{contact.pk}").json()
    assert body["fields"]["last_name"] == "Öström"


def test_a_user_of_another_team_sees_masks_on_the_page_and_the_api():
    _, owner = client_with("sales", "owner")
    stranger, other = client_with("sales", "other")
    team_of("Norr", owner)
    team_of("Syd", other)
    contact = contact_of(owner, first_name="Åsa", last_name="Öström")
    response = stranger.get(f"/contacts/{contact.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Öström" not in html and "\N{LOCK} user.name" in html
    body = stranger.get(f"/api/v1/contacts/{contact.pk}").json()
    assert body["fields"]["last_name"] == {"masked": True, "category": "user.name"}


def test_leaving_the_team_ends_the_shared_reading():
    _, owner = client_with("sales", "owner")
    colleague, mate = client_with("sales", "mate")
    team = team_of("Norr", owner, mate)
    contact = contact_of(owner, last_name="Öström")
    actions.set_membership(SYSTEM, team, mate, False)
    assert "Öström" not in colleague.get(f"/contacts/{contact.pk}/").content.decode()


def test_ownership_is_one_query_for_a_whole_batch():
    _, owner = client_with("sales", "owner")
    _, mate = client_with("sales", "mate")
    _, other = client_with("sales", "other")
    team_of("Norr", owner, mate)
    mine = [contact_of(mate, last_name=f"Own{i}").subject_id for i in range(5)]
    theirs = [contact_of(other, last_name=f"Not{i}").subject_id for i in range(5)]
    me = Actor("user", str(owner.pk), frozenset({Role.SALES}))
    with CaptureQueriesContext(connections["default"]) as queries:
        owned = CrmRelations().owned(me, set(mine) | set(theirs))
    assert owned == set(mine) and len(queries.captured_queries) == 1


def test_an_admin_creates_renames_lists_and_deletes_teams():
    admin, _ = client_with("admin")
    response = post(admin, "/api/v1/teams", {"name": " Norr "})
    assert response.status_code == 201 and response.json()["name"] == "Norr"
    team_id = response.json()["id"]
    assert patch(admin, f"/api/v1/teams/{team_id}", {"name": "Syd"}).json()["name"] == "Syd"
    assert [t["name"] for t in admin.get("/api/v1/teams").json()] == ["Syd"]
    assert admin.delete(f"/api/v1/teams/{team_id}").status_code == 204
    assert not Team.objects.exists()
    kinds = AuditEvent.objects.filter(record_kind="team").values_list("action", flat=True)
    assert list(kinds) == ["create", "update", "delete"]


def test_an_admin_adds_and_removes_members():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    team = team_of("Norr")
    response = admin.put(f"/api/v1/teams/{team.pk}/members/{seller.pk}")
    assert response.status_code == 200
    assert [m["id"] for m in response.json()["members"]] == [seller.pk]
    response = admin.delete(f"/api/v1/teams/{team.pk}/members/{seller.pk}")
    assert response.json()["members"] == []
    assert admin.put(f"/api/v1/teams/{team.pk}/members/999999").status_code == 404
    assert admin.put(f"/api/v1/teams/999999/members/{seller.pk}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": 5}, {"name": "Taken"}],
)
def test_a_bad_team_name_is_a_400_naming_the_field_and_nothing_is_written(body):
    admin, _ = client_with("admin")
    team_of("Taken")
    response = post(admin, "/api/v1/teams", body)
    assert response.status_code == 400 and "name" in response.json()["errors"]
    assert Team.objects.count() == 1


def test_renaming_to_a_taken_name_is_refused():
    admin, _ = client_with("admin")
    team_of("Taken")
    team = team_of("Mine")
    response = patch(admin, f"/api/v1/teams/{team.pk}", {"name": "taken"})
    assert response.status_code == 400 and response.json()["errors"]["name"]
    assert Team.objects.get(pk=team.pk).name == "Mine"


def test_the_team_list_costs_the_same_queries_for_2_or_20_teams():
    admin, _ = client_with("admin")
    _, seller = client_with("sales")
    for i in range(2):
        team_of(f"T{i}", seller)
    with CaptureQueriesContext(connections["default"]) as few:
        admin.get("/api/v1/teams")
    for i in range(2, 20):
        team_of(f"T{i}", seller)
    with CaptureQueriesContext(connections["default"]) as many:
        assert len(admin.get("/api/v1/teams").json()) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", [None, "sales", "dpo"])
def test_only_admins_manage_teams(role):
    client, _ = client_with(role)
    assert client.get("/api/v1/teams").status_code == 403
    assert post(client, "/api/v1/teams", {"name": "Norr"}).status_code == 403
    assert not Team.objects.exists()
    assert json.loads(client.get("/api/v1/teams").content)["detail"]
