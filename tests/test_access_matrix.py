"""Role x endpoint matrix: every page and API endpoint has an access rule, and it holds.

Adding a URL without a rule here fails test_every_url_has_a_rule; a view that lets
the wrong role in (or keeps the right one out) fails the request matrix.
"""

import pytest
from django.test import Client
from django.urls import get_resolver

from lethe.accounts.access import PUBLIC, SIGNED_IN
from lethe.accounts.models import RoleGrant, User
from lethe.vault.policy import Role
from tests.conftest import ALL

AUDIT = frozenset({Role.AUDITOR, Role.DPO})

# url name -> (path to request, rule)
MATRIX = {
    "home": ("/", SIGNED_IN),
    "healthz": ("/healthz", PUBLIC),
    "login": ("/login/", PUBLIC),
    "logout": ("/logout/", SIGNED_IN),
    "audit:events": ("/audit/", AUDIT),
    "audit:export": ("/audit/export.csv", AUDIT),
    "api:api-root": ("/api/v1/", PUBLIC),  # django-ninja's index: answers 404 to everyone
    "api:openapi-json": ("/api/v1/openapi.json", SIGNED_IN),
    "api:openapi-view": ("/api/v1/docs", SIGNED_IN),
    "api:list_events": ("/api/v1/audit/events", AUDIT),
    "api:export_events": ("/api/v1/audit/events.csv", AUDIT),
    "api:chain_status": ("/api/v1/audit/status", AUDIT),
}

# Who makes the requests: anonymous, a signed-in user with no role, one user per role.
WHO = ["anonymous", "no-role", *[r.value for r in Role if r is not Role.SYSTEM]]


def url_names():
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            else:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_a_rule_in_the_matrix():
    assert url_names() == set(MATRIX)


def test_every_web_view_declares_the_rule_the_matrix_expects():
    resolver = get_resolver()
    for name, (path, rule) in MATRIX.items():
        if name.startswith("api:"):
            continue
        declared = getattr(resolver.resolve(path).func, "lethe_roles", "undeclared")
        assert declared == rule, name


def client_for(who: str) -> Client:
    client = Client()
    if who == "anonymous":
        return client
    user = User.objects.create_user(f"{who}@lethe.example", "a long test password 1")
    if who != "no-role":
        RoleGrant.objects.create(user=user, role=who)
    client.force_login(user)
    return client


def allowed(rule, who: str) -> bool:
    if rule == PUBLIC:
        return True
    if who == "anonymous":
        return False
    if rule == SIGNED_IN:
        return True
    return who in {r.value for r in rule}


def expected_status(name: str, rule, who: str) -> int:
    if name == "api:api-root":
        return 404
    if name == "logout":
        return 302  # POST: to the log-in page, signed in or not
    if allowed(rule, who):
        return 200
    if who != "anonymous":
        return 403
    # Pages (and the API docs) send anonymous visitors to log in; the API answers 401.
    return 302 if not name.startswith("api:") or name.startswith("api:openapi") else 401


@pytest.mark.django_db(databases=ALL)
@pytest.mark.parametrize("who", WHO)
def test_each_role_gets_exactly_what_the_matrix_allows(who):
    client = client_for(who)
    for name, (path, rule) in sorted(MATRIX.items(), key=lambda item: item[0] == "logout"):
        response = client.post(path) if name == "logout" else client.get(path)
        assert response.status_code == expected_status(name, rule, who), (name, who)
        if response.status_code == 302:
            assert response["Location"].startswith("/login/")
