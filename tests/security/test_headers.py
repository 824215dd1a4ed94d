"""Security headers on every kind of response, and cookie flags under production settings."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from lethe.companies.models import Company
from tests.conftest import ALL
from tests.helpers import PASSWORD, client_with

pytestmark = pytest.mark.django_db(databases=ALL)

# kind of response -> (role that opens it, path; {ids} from matrix_ids)
RESPONSES = {
    "page": ("sales", "/contacts/"),
    "api": ("sales", "/api/v1/contacts"),
    "attachment download": ("sales", "/attachments/company/{company}/{attachment}/"),
    "attachment download (API)": ("sales", "/api/v1/attachments/company/{company}/{attachment}"),
    "csv export": ("sales", "/api/v1/contacts/export.csv"),
    "audit csv export": ("auditor", "/audit/export.csv"),
    "log-in page": (None, "/login/"),
    "not found": ("sales", "/contacts/987654321/"),
    "not found (API)": ("sales", "/api/v1/companies/987654321"),
    "forbidden": ("sales", "/audit/"),
    "unknown URL": (None, "/no-such-page/"),
}
EXPECTED_STATUS = {"not found": 404, "not found (API)": 404, "forbidden": 403, "unknown URL": 404}


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


def fetch(kind: str, ids: dict, **kwargs):
    role, path = RESPONSES[kind]
    client = client_with(role, fresh=True)[0] if role else Client()
    return client.get(path.format_map(ids), **kwargs)


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_kind_of_response_carries_the_security_headers(kind, matrix_ids):
    response = fetch(kind, matrix_ids)
    assert response.status_code == EXPECTED_STATUS.get(kind, 200), kind
    csp = directives(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    # A directive left out falls back to default-src (downloads send the stricter 'none').
    for name in ("script-src", "style-src", "object-src"):
        assert csp.get(name, csp["default-src"]) in ("'self'", "'none'"), (kind, name)
    assert csp["default-src"] in ("'self'", "'none'")
    assert csp.get("frame-ancestors", "'none'") == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


@pytest.mark.parametrize("kind", ["page", "api", "attachment download", "log-in page"])
def test_responses_over_tls_carry_hsts_for_a_year(kind, matrix_ids):
    response = fetch(kind, matrix_ids, secure=True)
    hsts = response["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600 and "includeSubDomains" in hsts


def test_api_answers_are_json_even_for_errors(matrix_ids):
    client, _ = client_with("sales")
    for path in ("/api/v1/contacts", "/api/v1/companies/987654321", "/api/v1/audit/events"):
        assert client.get(path)["Content-Type"] == "application/json; charset=utf-8", path


def test_a_downloaded_file_is_sent_as_an_attachment_with_its_sniffed_type(matrix_ids):
    response = fetch("attachment download", matrix_ids)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"


def test_the_session_and_csrf_cookies_are_httponly_and_samesite():
    Company.objects.create(name="Cookie AB")
    client_with("sales", "cookie")
    client = Client()
    client.get("/login/")
    response = client.post(
        "/login/",
        {"username": "cookie@lethe.example", "password": PASSWORD},
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies.get(name) or client.cookies[name]
        assert cookie["httponly"] and cookie["samesite"] == "Lax", name


def production_settings(**env: str) -> dict:
    """Return cookie and TLS settings as Django sees them under LETHE_ENV=production."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LETHE_", "DJANGO_"))}
    clean.update(
        LETHE_ENV="production",
        LETHE_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SETTINGS_MODULE="lethe.settings",
        **env,
    )
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_make_the_cookies_secure_httponly_and_samesite(tmp_path):
    found = production_settings(LETHE_DATA_DIR=str(tmp_path), LETHE_TRUSTED_PROXY="1")
    assert found == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
    }
