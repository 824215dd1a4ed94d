"""Deactivation's edge cases: the last admin stays, a leaver's sessions and tokens end at
once, their records (and open requests, and break-glass) are handed over, and they can
come back."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from lethe.accounts import actions
from lethe.accounts.models import RoleGrant, User
from lethe.accounts.tokens import create as create_token
from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.dsr import breakglass, register
from lethe.dsr.models import Request
from lethe.vault.policy import Actor, Role
from tests.accounts.conftest import log_in
from tests.conftest import ALL
from tests.helpers import PASSWORD, client_with

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")
REASON = "Checking a complaint that came in by post, no request yet"


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def with_roles(email: str, *roles: Role) -> User:
    user = User.objects.create_user(f"{email}@lethe.example", PASSWORD)
    for role in roles:
        RoleGrant.objects.create(user=user, role=role)
    return user


# The last active admin


def test_the_last_active_admin_cannot_be_deactivated_even_if_an_inactive_admin_exists():
    only = with_roles("only-admin", Role.ADMIN)
    gone = with_roles("gone-admin", Role.ADMIN)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    seller = with_roles("seller", Role.SALES)
    with pytest.raises(ValidationError) as raised:
        actions.deactivate_user(SYSTEM, only, seller, by=None)
    assert list(raised.value.message_dict) == ["user"]
    assert "last active admin" in raised.value.message_dict["user"][0]
    assert User.objects.get(pk=only.pk).is_active
    assert not AuditEvent.objects.filter(record_kind="user", action=Action.UPDATE).exists()


def test_the_last_active_admin_keeps_the_role_on_the_page_naming_the_roles_field():
    admin, me = client_with("admin", "sole", fresh=True)
    gone = with_roles("gone-admin", Role.ADMIN)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    response = admin.post(f"/settings/users/{me.pk}/roles/", {"roles": ["sales"]})
    assert response.status_code == 400
    assert "Roles: this is the last active admin" in response.content.decode()
    assert Role.ADMIN in User.objects.get(pk=me.pk).roles
    with pytest.raises(ValidationError) as raised:
        actions.set_roles(SYSTEM, me, {Role.SALES}, granted_by=None)
    assert list(raised.value.message_dict) == ["roles"]


def test_with_another_active_admin_the_role_may_go_and_the_user_may_leave():
    admin, me = client_with("admin", "first", fresh=True)
    second = with_roles("second-admin", Role.ADMIN)
    response = admin.post(f"/settings/users/{second.pk}/roles/", {"roles": ["auditor"]})
    assert response.status_code == 302
    assert User.objects.get(pk=second.pk).roles == {Role.AUDITOR}
    # Now `me` is the last one: `second` cannot take it back from them by deactivating.
    RoleGrant.objects.create(user=second, role=Role.ADMIN)
    actions.deactivate_user(SYSTEM, second, me, by=me)
    with pytest.raises(ValidationError, match="last active admin"):
        actions.deactivate_user(SYSTEM, me, with_roles("x", Role.SALES), by=None)


# Sessions and tokens end at once


def test_a_leavers_sessions_and_tokens_stop_working_at_once():
    admin, _ = client_with("admin", fresh=True)
    leaver = with_roles("leaver", Role.SALES)
    successor = with_roles("successor", Role.SALES)
    browser = Client()
    assert log_in(browser, leaver.email).status_code == 302
    forced = Client()
    forced.force_login(leaver)
    _, secret = create_token(SYSTEM, leaver, "laptop")
    assert Client().get("/api/v1/companies", **bearer(secret)).status_code == 200
    assert browser.get("/api/v1/companies").status_code == 200
    response = admin.post(f"/settings/users/{leaver.pk}/deactivate/", {"successor": successor.pk})
    assert response.status_code == 302
    assert Client().get("/api/v1/companies", **bearer(secret)).status_code == 401
    for client in (browser, forced):
        assert client.get("/api/v1/companies").status_code == 401
        page = client.get("/companies/")
        assert page.status_code == 302 and page["Location"].startswith("/login/")
    assert log_in(Client(), leaver.email).status_code == 200  # cannot sign in again


def test_a_token_of_a_deactivated_user_is_refused_even_if_not_revoked():
    leaver = with_roles("leaver", Role.SALES)
    _, secret = create_token(SYSTEM, leaver, "laptop")
    User.objects.filter(pk=leaver.pk).update(is_active=False)  # say, by the database admin
    assert Client().get("/api/v1/companies", **bearer(secret)).status_code == 401


# Records are handed over


def test_open_requests_go_to_a_dpo_successor_and_wait_unassigned_for_anyone_else():
    leaver = with_roles("leaver-dpo", Role.DPO)
    dpo_successor = with_roles("next-dpo", Role.DPO)
    dpo = Actor("user", str(leaver.pk), frozenset({Role.DPO}))
    made = [
        register.open_request(dpo, "access", "email", {"email": f"p{n}@example.org"})
        for n in range(3)
    ]
    Request.objects.update(assignee=leaver)
    Request.objects.filter(pk=made[2].pk).update(status=Request.Status.COMPLETED)
    counts = actions.deactivate_user(SYSTEM, leaver, dpo_successor, by=None)
    assert counts["requests"] == 2
    assert {r.assignee_id for r in Request.objects.exclude(pk=made[2].pk)} == {dpo_successor.pk}
    assert Request.objects.get(pk=made[2].pk).assignee_id == leaver.pk  # closed: history

    other = with_roles("other-dpo", Role.DPO)
    Request.objects.filter(pk=made[0].pk).update(assignee=other)
    actions.deactivate_user(SYSTEM, other, with_roles("seller", Role.SALES), by=None)
    assert Request.objects.get(pk=made[0].pk).assignee_id is None


def test_a_leavers_open_break_glass_ends_with_them():
    leaver = with_roles("glass-dpo", Role.DPO)
    actor = Actor("user", str(leaver.pk), frozenset({Role.DPO}))
    glass = breakglass.start(actor, leaver, REASON, 60)
    counts = actions.deactivate_user(SYSTEM, leaver, with_roles("s", Role.SALES), by=None)
    assert counts["break_glass"] == 1
    glass.refresh_from_db()
    assert glass.ended_at is not None and not glass.active()
    event = AuditEvent.objects.get(record_kind="user", action=Action.UPDATE)
    assert event.detail["break_glass"] == 1 and event.detail["requests"] == 0


def test_a_failed_deactivation_changes_nothing():
    leaver = with_roles("leaver", Role.SALES, Role.ADMIN)
    company = Company.objects.create(name="Kvar AB", owner=leaver)
    _, secret = create_token(SYSTEM, leaver, "laptop")
    with pytest.raises(ValidationError):
        actions.deactivate_user(SYSTEM, leaver, with_roles("s", Role.SALES), by=None)
    assert User.objects.get(pk=leaver.pk).is_active
    assert Company.objects.get(pk=company.pk).owner_id == leaver.pk
    assert Client().get("/api/v1/companies", **bearer(secret)).status_code == 200


# Coming back


def test_a_reactivated_user_signs_in_again_but_old_tokens_and_records_stay_gone():
    admin, _ = client_with("admin", fresh=True)
    leaver = with_roles("leaver", Role.SALES)
    successor = with_roles("successor", Role.SALES)
    company = Company.objects.create(name="Överlämnad AB", owner=leaver)
    _, secret = create_token(SYSTEM, leaver, "laptop")
    actions.deactivate_user(SYSTEM, leaver, successor, by=None)
    response = admin.post(f"/settings/users/{leaver.pk}/reactivate/")
    assert response.status_code == 302
    browser = Client()
    assert log_in(browser, leaver.email).status_code == 302
    assert browser.get("/api/v1/companies").status_code == 200
    assert Client().get("/api/v1/companies", **bearer(secret)).status_code == 401
    assert Company.objects.get(pk=company.pk).owner_id == successor.pk
    events = AuditEvent.objects.filter(record_kind="user", action=Action.UPDATE).order_by("seq")
    assert [e.detail.get("active") for e in events] == [False, True]
    # Reactivating an active user again changes and records nothing.
    admin.post(f"/settings/users/{leaver.pk}/reactivate/")
    assert AuditEvent.objects.filter(record_kind="user", action=Action.UPDATE).count() == 2


def test_the_audit_event_of_a_deactivation_holds_counts_only():
    leaver = with_roles("leaver", Role.SALES)
    Company.objects.create(name="Ett AB", owner=leaver)
    actions.deactivate_user(SYSTEM, leaver, with_roles("s", Role.SALES), by=None)
    event = AuditEvent.objects.get(record_kind="user", action=Action.UPDATE)
    assert "leaver@" not in json.dumps(event.detail)
    assert event.detail["companies"] == 1 and event.detail["active"] is False
