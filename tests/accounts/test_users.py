"""The admin's user screens: create, roles (audited, re-authenticated), deactivation."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.accounts import actions
from lethe.accounts.models import ApiToken, RoleGrant, User
from lethe.accounts.tokens import create as create_token
from lethe.accounts.tokens import user_for
from lethe.activities.actions import create_activity
from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.deals.models import Deal, Stage
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import PASSWORD, client_with

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")
NEW = {"email": "ny@lethe.example", "display_name": "Ny", "password": PASSWORD}


def records_of(user):
    contact = create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Berg"}, {})
    Contact.objects.filter(pk=contact.pk).update(owner=user)
    company = Company.objects.create(name="Ägd AB", owner=user)
    stage = Stage.objects.order_by("pipeline", "position").first()
    deal = Deal.objects.create(title="Ägd", pipeline=stage.pipeline, stage=stage, owner=user)
    activity = create_activity(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"kind": "task", "company": company, "due_date": datetime.date(2030, 1, 1), "body": "x"},
        owner=user,
    )
    return contact, company, deal, activity


# Creating users


def test_an_admin_creates_a_user_with_roles_granted_by_them():
    admin, me = client_with("admin", fresh=True)
    response = admin.post("/settings/users/", {**NEW, "roles": ["sales", "support"]})
    assert response.status_code == 302
    user = User.objects.get(email="ny@lethe.example")
    assert user.check_password(PASSWORD) and {r.value for r in user.roles} == {"sales", "support"}
    assert set(RoleGrant.objects.filter(user=user).values_list("granted_by", flat=True)) == {me.pk}
    assert AuditEvent.objects.filter(action=Action.ROLE_GRANT, record_id=user.pk).count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": ""}, "E-mail"),
        ({"email": "not-an-address"}, "E-mail"),
        ({"email": "x" * 250 + "@lethe.example"}, "E-mail"),
        ({"password": "short"}, "Password"),
        ({"password": "password1234"}, "Password"),
        ({"display_name": "x" * 151}, "Name"),
        ({"roles": ["emperor"]}, "Roles"),
        ({"roles": ["system"]}, "Roles"),
        ({"email": "admin@lethe.example"}, "E-mail"),  # taken
    ],
)
def test_a_bad_new_user_is_an_inline_error_and_nothing_is_written(change, field):
    admin, _ = client_with("admin", fresh=True)
    before = User.objects.count()
    response = admin.post("/settings/users/", {**NEW, **change})
    assert response.status_code == 400
    assert f'<p class="error">{field}:' in response.content.decode() or (
        field == "Roles" and "Roles: " in response.content.decode()
    )
    assert User.objects.count() == before


def test_creating_a_user_asks_for_the_password_first():
    admin, _ = client_with("admin")
    response = admin.post("/settings/users/", NEW)
    assert response.status_code == 302 and response["Location"].startswith("/reauth/")
    assert not User.objects.filter(email=NEW["email"]).exists()
    assert admin.get("/settings/users/").status_code == 200  # the list itself does not ask


def test_the_user_list_costs_the_same_queries_for_3_or_30_users():
    admin, _ = client_with("admin")
    for i in range(2):
        client_with("sales", f"s{i}")
    with CaptureQueriesContext(connections["default"]) as few:
        admin.get("/settings/users/")
    for i in range(2, 29):
        client_with("sales", f"s{i}")
    with CaptureQueriesContext(connections["default"]) as many:
        html = admin.get("/settings/users/").content.decode()
    assert "s28@lethe.example" in html
    assert len(many.captured_queries) == len(few.captured_queries)


# Roles


def test_changing_roles_grants_and_withdraws_each_audited_with_granted_by():
    admin, me = client_with("admin", fresh=True)
    _, seller = client_with("sales")
    response = admin.post(f"/settings/users/{seller.pk}/roles/", {"roles": ["support", "dpo"]})
    assert response.status_code == 302
    assert {r.value for r in User.objects.get(pk=seller.pk).roles} == {"support", "dpo"}
    assert RoleGrant.objects.get(user=seller, role="dpo").granted_by == me
    events = AuditEvent.objects.filter(action=Action.ROLE_GRANT, record_id=seller.pk)
    assert sorted((e.detail["role"], e.detail["granted"]) for e in events) == [
        ("dpo", True),
        ("sales", False),
        ("support", True),
    ]


def test_the_last_active_admin_keeps_the_admin_role():
    admin, me = client_with("admin", fresh=True)
    response = admin.post(f"/settings/users/{me.pk}/roles/", {"roles": ["sales"]})
    assert response.status_code == 400 and "last active admin" in response.content.decode()
    assert RoleGrant.objects.filter(user=me, role="admin").exists()
    assert not AuditEvent.objects.filter(action=Action.ROLE_GRANT).exists()


def test_an_unknown_role_or_user_is_refused():
    admin, _ = client_with("admin", fresh=True)
    _, seller = client_with("sales")
    response = admin.post(f"/settings/users/{seller.pk}/roles/", {"roles": ["root"]})
    assert response.status_code == 400 and "Roles: " in response.content.decode()
    assert admin.get("/settings/users/999999/roles/").status_code == 404


# Deactivation


def test_deactivating_reassigns_every_record_and_ends_sessions_and_tokens():
    admin, _ = client_with("admin", fresh=True)
    leaver_client, leaver = client_with("sales", "leaver")
    _, successor = client_with("sales", "successor")
    contact, company, deal, activity = records_of(leaver)
    _, secret = create_token(SYSTEM, leaver, "laptop")
    response = admin.post(f"/settings/users/{leaver.pk}/deactivate/", {"successor": successor.pk})
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active
    for record in (contact, company, deal, activity):
        record.refresh_from_db()
        assert record.owner_id == successor.pk
    assert user_for(secret) is None
    assert ApiToken.objects.get(user=leaver).revoked_at is not None
    assert leaver_client.get("/contacts/").status_code == 302  # back to the log-in page
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(leaver.pk) for s in Session.objects.all()
    )
    event = AuditEvent.objects.get(action=Action.UPDATE, record_kind="user")
    assert event.detail["successor"] == successor.pk and event.detail["contacts"] == 1


def test_the_successor_reads_the_reassigned_contact():
    _, leaver = client_with("sales", "leaver")
    successor_client, successor = client_with("sales", "successor")
    contact = create_contact(
        SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Öström"}, {"owner": leaver}
    )
    assert "Öström" not in successor_client.get(f"/contacts/{contact.pk}/").content.decode()
    actions.deactivate_user(SYSTEM, leaver, successor, by=None)
    assert "Öström" in successor_client.get(f"/contacts/{contact.pk}/").content.decode()


def test_you_cannot_deactivate_yourself():
    admin, me = client_with("admin", fresh=True)
    _, other = client_with("admin", "other-admin")
    response = admin.post(f"/settings/users/{me.pk}/deactivate/", {"successor": other.pk})
    assert response.status_code == 400 and "deactivate yourself" in response.content.decode()
    assert User.objects.get(pk=me.pk).is_active


def test_the_last_active_admin_cannot_be_deactivated():
    _, only_admin = client_with("admin", "only")
    _, seller = client_with("sales")
    with pytest.raises(Exception, match="last active admin"):
        actions.deactivate_user(SYSTEM, only_admin, seller, by=None)
    assert User.objects.get(pk=only_admin.pk).is_active


@pytest.mark.parametrize("successor", ["", "999999", "abc", "self", "inactive"])
def test_a_bad_successor_is_an_inline_error_and_nothing_changes(successor):
    admin, _ = client_with("admin", fresh=True)
    _, leaver = client_with("sales", "leaver")
    _, gone = client_with("sales", "gone")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    company = Company.objects.create(name="Kvar AB", owner=leaver)
    value = {"self": leaver.pk, "inactive": gone.pk}.get(successor, successor)
    response = admin.post(f"/settings/users/{leaver.pk}/deactivate/", {"successor": value})
    assert response.status_code == 400
    assert "Give their contacts, companies, deals and activities to:" in response.content.decode()
    assert User.objects.get(pk=leaver.pk).is_active
    assert Company.objects.get(pk=company.pk).owner_id == leaver.pk


def test_reactivating_lets_the_user_sign_in_again():
    admin, _ = client_with("admin")
    _, leaver = client_with("sales", "leaver")
    _, successor = client_with("sales", "successor")
    actions.deactivate_user(SYSTEM, leaver, successor, by=None)
    assert admin.post(f"/settings/users/{leaver.pk}/reactivate/").status_code == 302
    assert User.objects.get(pk=leaver.pk).is_active


# Who may


@pytest.mark.parametrize("role", [None, "sales", "dpo", "auditor"])
def test_only_admins_open_the_user_screens(role):
    client, user = client_with(role, fresh=True)
    for path in (
        "/settings/users/",
        f"/settings/users/{user.pk}/roles/",
        f"/settings/users/{user.pk}/deactivate/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/settings/users/", NEW).status_code == 403
    assert client.post(f"/settings/users/{user.pk}/reactivate/").status_code == 403
    assert not User.objects.filter(email=NEW["email"]).exists()


def test_an_admin_is_not_a_super_reader():
    admin, _ = client_with("admin", fresh=True)
    contact = create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Berg"}, {})
    assert admin.get(f"/contacts/{contact.pk}/").status_code == 403
    assert admin.get("/contacts/").status_code == 403
    assert admin.get(f"/api/v1/contacts/{contact.pk}").status_code == 403
    assert "Berg" not in admin.get("/settings/users/").content.decode()


def test_the_settings_link_shows_for_admins_only():
    admin, _ = client_with("admin")
    assert 'href="/settings/users/">Settings' in admin.get("/").content.decode()
    seller, _ = client_with("sales")
    assert "/settings/users/" not in seller.get("/").content.decode()


def test_granting_a_role_that_needs_a_second_factor_ends_the_users_sessions():
    admin, _ = client_with("admin", "granter", fresh=True)
    seller_client, seller = client_with("sales", "to-be-dpo")
    assert seller_client.get("/contacts/").status_code == 200
    admin.post(f"/settings/users/{seller.pk}/roles/", {"roles": ["sales", "support"]})
    assert seller_client.get("/contacts/").status_code == 200  # no second factor needed
    admin.post(f"/settings/users/{seller.pk}/roles/", {"roles": ["sales", "dpo"]})
    response = seller_client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
