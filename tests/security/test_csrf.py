"""CSRF: every state change of a signed-in browser needs a token and a same-site origin.

The list of requests is MATRIX in tests/test_access_matrix.py, so a new page POST or
unsafe API method is covered as soon as it has its access rule. Each request is made
by a user whose role the rule allows, so only the CSRF check can refuse it; the same
request with a token from our own origin shows that the refusal was the CSRF check.
"""

import secrets
import string

import pytest
from django.conf import settings
from django.test import Client

from lethe.accounts import tokens
from lethe.accounts.access import PUBLIC, SIGNED_IN
from lethe.accounts.models import RoleGrant, User
from lethe.vault.policy import Actor, Role
from tests.conftest import ALL
from tests.helpers import passed_second_factor, reauthenticate
from tests.security.conftest import filled, unsafe_entries
from tests.test_access_matrix import MATRIX

pytestmark = pytest.mark.django_db(databases=ALL)

EVIL = "https://evil.example"
UNSAFE = unsafe_entries()


def role_for(rule) -> Role:
    """Return a role the rule lets through."""
    if rule in (PUBLIC, SIGNED_IN):
        return Role.SALES
    return next(role for role in Role if role in rule)


def browser(name: str) -> tuple[Client, User, str]:
    """Return a CSRF-enforcing client signed in with a role `name` allows, and a CSRF secret."""
    user = User.objects.create_user("csrf@lethe.example", None)
    RoleGrant.objects.create(user=user, role=role_for(MATRIX[name][2]))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    passed_second_factor(client)
    reauthenticate(client)
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    return client, user, secret


def send(client: Client, name: str, ids: dict, secure: bool = False, **headers):
    method, path, body = filled(name, ids)
    request = getattr(client, method)
    if body is None:
        return request(path, secure=secure, headers=headers)
    if isinstance(body, str):
        json_body = {"content_type": "application/json"}
        return request(path, body, secure=secure, headers=headers, **json_body)
    return request(path, body, secure=secure, headers=headers)


def assert_csrf_refused(name: str, response) -> None:
    assert response.status_code == 403, (name, response.status_code)
    if name.startswith("api:"):
        assert response.json() == {"detail": "CSRF check Failed", "errors": {}}, name
    else:
        assert b"CSRF" in response.content, name


def test_the_matrix_has_state_changes_for_pages_and_the_api():
    api = [name for name in UNSAFE if name.startswith("api:")]
    assert len(api) >= 10 and len(UNSAFE) - len(api) >= 10


@pytest.mark.parametrize("name", UNSAFE)
def test_a_state_change_needs_a_csrf_token_and_our_origin_unless_it_carries_a_bearer_token(
    name, matrix_ids
):
    client, user, secret = browser(name)
    assert_csrf_refused(name, send(client, name, matrix_ids))
    assert_csrf_refused(name, send(client, name, matrix_ids, X_CSRFToken=secret, Origin=EVIL))
    over_https = send(client, name, matrix_ids, True, X_CSRFToken=secret, Referer=f"{EVIL}/a")
    assert_csrf_refused(name, over_https)
    if name.startswith("api:"):
        # A token in the Authorization header is not sent by a browser on its own: no CSRF.
        _, bearer = tokens.create(Actor.system("tests"), user, "csrf test")
        client = Client(enforce_csrf_checks=True)
        response = send(client, name, matrix_ids, Authorization=f"Bearer {bearer}", Origin=EVIL)
    else:
        response = send(client, name, matrix_ids, X_CSRFToken=secret, Origin="http://testserver")
    assert response.status_code == MATRIX[name][4], name


def test_logging_in_without_a_csrf_token_is_refused():
    User.objects.create_user("login@lethe.example", "a long test password 1")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/login/", {"username": "login@lethe.example", "password": "a long test password 1"}
    )
    assert response.status_code == 403 and b"CSRF" in response.content
