"""Schemathesis against the committed OpenAPI document, through Django's WSGI app.

Every operation gets a bounded, derandomised number of generated requests with a
valid bearer token; the answer must never be a 5xx and must match the declared
response schema and content type.
"""

from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lethe.accounts import tokens
from lethe.accounts.models import RoleGrant, User
from lethe.vault.policy import Actor, Role
from tests.conftest import ALL

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
schema = schemathesis.openapi.from_path(OPENAPI)
schema.app = WSGIHandler()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
# Roles that, together, get every operation past authorisation to its real work.
ROLES = (Role.SALES, Role.ADMIN, Role.AUDITOR, Role.DPO)


@pytest.fixture
def bearer():
    """Return the Authorization header of a token for a user holding ROLES."""
    user = User.objects.create_user("fuzz@lethe.example", None)
    RoleGrant.objects.bulk_create(RoleGrant(user=user, role=role) for role in ROLES)
    _token, secret = tokens.create(Actor.system("tests"), user, "schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def same_connection():
    """Keep the test's database connection open across requests (as Django's test Client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db(databases=ALL)
@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_without_5xx_and_as_declared(
    case, bearer, same_connection
):
    case.call_and_validate(headers=bearer, checks=CHECKS)
