"""Every API operation declares its 401 and 403 (with an id in its path, 404; with
parameters or a body, 400) in the ErrorOut shape, and the API's real refusals have it."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from django.test import Client

from lethe.api import api
from tests.conftest import ALL
from tests.helpers import client_with

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
ERROR_REF = "#/components/schemas/ErrorOut"


def undeclared(schema: dict) -> list[tuple[str, str, str]]:
    """Return (method, path, status) for each refusal an operation does not declare as ErrorOut."""
    missing = []
    for path, operations in schema["paths"].items():
        wanted = ["401", "403", *(["404"] if "{" in path else [])]
        for method, operation in operations.items():
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            takes_input = operation.get("parameters") or operation.get("requestBody")
            for status in [*wanted, *(["400"] if takes_input else [])]:
                content = responses.get(status, {}).get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref")
                if ref != ERROR_REF:
                    missing.append((method, path, status))
    return missing


def committed() -> dict:
    return json.loads(OPENAPI.read_text())


def test_every_operation_declares_its_refusals_in_the_committed_document():
    assert undeclared(committed()) == []


def test_every_operation_declares_its_refusals_in_the_generated_document():
    assert undeclared(json.loads(json.dumps(api.get_openapi_schema()))) == []


def test_an_operation_without_its_refusals_is_caught():
    schema = copy.deepcopy(committed())
    operation = schema["paths"]["/api/v1/contacts/{contact_id}"]["get"]
    del operation["responses"]["401"]
    del operation["responses"]["400"]
    operation["responses"]["404"]["content"]["application/json"]["schema"] = {"type": "object"}
    assert undeclared(schema) == [
        ("get", "/api/v1/contacts/{contact_id}", "401"),
        ("get", "/api/v1/contacts/{contact_id}", "404"),
        ("get", "/api/v1/contacts/{contact_id}", "400"),
    ]


def test_the_error_shape_names_detail_and_errors():
    shape = committed()["components"]["schemas"]["ErrorOut"]
    assert set(shape["required"]) == {"detail", "errors"}


@pytest.mark.django_db(databases=ALL)
def test_real_refusals_have_the_declared_shape():
    shape = committed()["components"]["schemas"]["ErrorOut"]
    seller, _ = client_with("sales")
    answers = {
        "401 no log-in": Client().get("/api/v1/contacts"),
        "401 bad token": Client().get("/api/v1/contacts", HTTP_AUTHORIZATION="Bearer lethe_x"),
        "403 role": seller.get("/api/v1/teams"),
        "403 csrf": Client(enforce_csrf_checks=True).post("/api/v1/companies"),
        "404 no such contact": seller.get("/api/v1/contacts/999999"),
        "404 no such activity": seller.get("/api/v1/activities/999999"),
    }
    for name, response in answers.items():
        assert str(response.status_code) == name[:3], (name, response.status_code)
        jsonschema.validate(response.json(), shape)
