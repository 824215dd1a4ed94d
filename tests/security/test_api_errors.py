"""Malformed request bodies get the declared 400 error shape naming `body`."""

import pytest

from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.mark.parametrize("path", ["/api/v1/companies", "/api/v1/contacts", "/api/v1/activities"])
def test_a_body_that_is_not_json_is_a_400_naming_the_body(path):
    client, _ = client_with("sales")
    response = client.post(path, b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "invalid input: body",
        "errors": {"body": ["not valid JSON"]},
    }


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/companies", {"owner": "me"}, "owner"),
        ("/api/v1/activities", {"due_before": "soon"}, "due_before"),
        ("/api/v1/deals/abc", {}, "deal_id"),
    ],
)
def test_a_parameter_of_the_wrong_type_is_a_400_naming_it(path, query, field):
    client, _ = client_with("sales")
    response = client.get(path, query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert response.json()["detail"] == f"invalid input: {field}"


def test_a_body_field_of_the_wrong_type_is_a_400_naming_it():
    client, _ = client_with("sales")
    response = client.post(
        "/api/v1/companies", {"name": "Alfa AB", "tags": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "tags" in response.json()["errors"]
