"""SQL injection strings in search, filter and sort parameters change nothing and leak nothing.

The API's list endpoints and their query parameters come from the committed OpenAPI
document, so a new list endpoint or filter is covered without touching this file.
"""

import json
from pathlib import Path

import pytest
from django.db import connections

from lethe.accounts.models import RoleGrant, User
from lethe.activities.models import Activity
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.deals.models import Deal
from lethe.vault.policy import Role
from tests.conftest import ALL
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

PAYLOADS = [
    "' OR 1=1 --",
    "1; DROP TABLE contacts_contact",
    "%' UNION SELECT id, password, email FROM accounts_user --",
    '" OR ""="',
    "1 OR 1=1",
]
# Parameters that do not narrow the rows down: any answer may list every row.
NEUTRAL = {"sort", "page", "archived", "purpose", "open_tasks"}
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def api_lists() -> list[tuple[str, list[str]]]:
    """Return every GET operation without path parameters and its query parameters."""
    paths = json.loads(OPENAPI.read_text())["paths"]
    found = []
    for path, operations in paths.items():
        get = operations.get("get")
        if "{" in path or get is None or path.endswith("openapi.json"):
            continue
        params = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if params:
            found.append((path, params))
    return found


PAGES = {
    "/companies/": ["q", "owner", "tag", "sort", "archived", "page"],
    "/contacts/": ["q", "stage", "owner", "company", "tag", "archived", "sort", "page"],
    "/deals/": ["pipeline", "stage", "status", "owner", "company", "tag", "sort", "page"],
    "/search/": ["q"],
    "/activities/tasks/": ["page"],
    "/audit/": ["actor", "subject", "action", "outcome", "record_kind", "record_id", "page"],
}
MODELS = (Company, Contact, Deal, Activity, User, RoleGrant)


@pytest.fixture
def seeded():
    """Return a client for a user holding sales, auditor and dpo, with one record of each kind."""
    client, user = client_with("sales", "injection", fresh=True)
    RoleGrant.objects.create(user=user, role=Role.AUDITOR)
    RoleGrant.objects.create(user=user, role=Role.DPO)  # the request register's lists
    company = post(client, "/api/v1/companies", {"name": "Alfa AB", "tags": ["gold"]}).json()
    contact = post(
        client,
        "/api/v1/contacts",
        {"last_name": "Testsson", "company": company["id"], "tags": ["gold"]},
    ).json()
    deal = post(
        client, "/api/v1/deals", {"title": "Licenser", "company": company["id"], "tags": ["gold"]}
    ).json()
    post(client, "/api/v1/activities", {"kind": "note", "company": company["id"], "body": "Ring"})
    links = [f"/companies/{company['id']}/", f"/contacts/{contact['id']}/", f"/deals/{deal['id']}/"]
    return client, links


def snapshot() -> tuple:
    tables = tuple(sorted(connections["default"].introspection.table_names()))
    return tables, tuple(model.objects.count() for model in MODELS)


def rows(response) -> int | None:
    """Return how many records a list answer holds (CSV: data lines), or None."""
    if response["Content-Type"].startswith("text/csv"):
        return (
            len(
                b"".join(response.streaming_content if response.streaming else [response.content])
                .decode()
                .splitlines()
            )
            - 1
        )
    body = response.json()
    if isinstance(body, list):
        return len(body)
    return len(body["results"]) if "results" in body else None


def assert_refused_naming(response, param: str, path: str) -> None:
    assert response.status_code == 400, (path, param, response.status_code)
    assert param in response.content.decode(), (path, param, response.content[:300])


@pytest.mark.parametrize(("path", "params"), api_lists(), ids=[p for p, _ in api_lists()])
def test_injection_strings_in_api_list_parameters_change_nothing_and_leak_nothing(
    path, params, seeded
):
    client, _ = seeded
    before = snapshot()
    for param in params:
        for payload in PAYLOADS:
            response = client.get(path, {param: payload})
            if response.status_code != 200:
                assert_refused_naming(response, param, path)
                continue
            if param not in NEUTRAL:
                assert rows(response) in (0, None), (path, param, payload)
    assert snapshot() == before


@pytest.mark.parametrize("path", PAGES)
def test_injection_strings_in_page_parameters_change_nothing_and_leak_nothing(path, seeded):
    client, links = seeded
    before = snapshot()
    for param in PAGES[path]:
        for payload in PAYLOADS:
            response = client.get(path, {param: payload})
            assert response.status_code in (200, 400), (path, param, payload)
            if param in NEUTRAL:
                continue
            page = response.content.decode()
            leaked = [link for link in links if f'href="{link}"' in page]
            assert not leaked, (path, param, payload, leaked)
            if response.status_code == 400:
                assert param in page, (path, param)
    assert snapshot() == before


def test_a_matching_filter_still_finds_the_records_so_the_checks_above_can_fail(seeded):
    client, links = seeded
    assert client.get("/api/v1/contacts", {"q": "Testsson"}).json()["count"] == 1
    assert client.get("/api/v1/companies", {"tag": "gold"}).json()["count"] == 1
    page = client.get("/contacts/", {"q": "Testsson"}).content.decode()
    assert f'href="{links[1]}"' in page
    assert f'href="{links[0]}"' in client.get("/search/", {"q": "Alfa"}).content.decode()
