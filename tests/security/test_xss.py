"""Stored XSS: script and event-handler payloads in every text field render escaped.

Payloads go in through the API (as a real user would put them), then every page that
shows them is fetched and parsed: no element may carry an on* attribute, a script
without src or a javascript: URL, and the escaped payload must be on the page, so the
test fails both when a value is rendered raw and when it is not rendered at all.
"""

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lethe.accounts.models import RoleGrant
from lethe.vault.policy import Role
from tests.conftest import ALL
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOAD = SCRIPT + IMG
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster"}


class Elements(HTMLParser):
    """Collect what a browser would run: event handlers, inline scripts, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script":
            if "src" not in names:
                self.problems.append("<script> without src")
            self.in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data[:40]}")


def problems(html: str) -> list[str]:
    parser = Elements()
    parser.feed(html)
    return parser.problems


def created(response) -> dict:
    assert response.status_code == 201, response.content[:500]
    return response.json()


@pytest.fixture
def stored():
    """Store the payload in every text field; return clients and the pages that show it."""
    admin, _ = client_with("admin", "xss-admin")
    pipeline = created(post(admin, "/api/v1/deals/pipelines", {"name": "Pipe " + PAYLOAD}))
    stage = created(
        post(admin, f"/api/v1/deals/pipelines/{pipeline['id']}/stages", {"name": "Stage" + IMG})
    )
    for entity in ("company", "deal"):
        created(
            post(
                admin,
                "/api/v1/custom-fields",
                {"entity": entity, "key": "xss", "label": "Label " + PAYLOAD, "type": "text"},
            )
        )
    sales, user = client_with("sales", "xss-sales")
    company_in = {
        "name": "Alfa " + PAYLOAD,
        "industry": PAYLOAD,
        "city": PAYLOAD,
        "street": PAYLOAD,
        "domain": "javascript:alert(1)",
        "custom": {"xss": PAYLOAD},
        "tags": ["tag" + IMG],
    }
    response = post(sales, "/api/v1/companies", company_in)
    if response.status_code == 400:  # a refused tag or domain is fine; the rest must stay
        assert set(response.json()["errors"]) <= {"tags", "domain"}, response.json()
        company_in = {k: v for k, v in company_in.items() if k not in {"tags", "domain"}}
        response = post(sales, "/api/v1/companies", company_in)
    company = created(response)
    contact_in = {
        "first_name": PAYLOAD,
        "last_name": "Xss" + IMG,
        "job_title": PAYLOAD,
        "notes": PAYLOAD,
        "company": company["id"],
        "tags": ["tag" + SCRIPT],
    }
    response = post(sales, "/api/v1/contacts", contact_in)
    if response.status_code == 400:
        assert set(response.json()["errors"]) <= {"tags"}, response.json()
        response = post(sales, "/api/v1/contacts", {**contact_in, "tags": []})
    contact = created(response)
    deal = created(
        post(
            sales,
            "/api/v1/deals",
            {
                "title": "Deal " + PAYLOAD,
                "company": company["id"],
                "pipeline": pipeline["id"],
                "stage": stage["id"],
                "custom": {"xss": PAYLOAD},
                "contacts": [{"contact": contact["id"], "role": "other"}],
            },
        )
    )
    mention = f"{PAYLOAD} talked to @[contact:{contact['id']}] {IMG}"
    created(
        post(
            sales, "/api/v1/activities", {"kind": "note", "contact": contact["id"], "body": mention}
        )
    )
    created(
        post(
            sales,
            "/api/v1/activities",
            {"kind": "task", "company": company["id"], "due_date": "2030-01-01", "body": PAYLOAD},
        )
    )
    upload = SimpleUploadedFile(IMG + ".pdf", b"%PDF-1.7\n%xss\n", content_type="application/pdf")
    response = sales.post(f"/api/v1/attachments/company/{company['id']}", {"file": upload})
    assert response.status_code == 201, response.content
    RoleGrant.objects.create(user=user, role=Role.AUDITOR)
    return {
        "sales": sales,
        "admin": admin,
        "ids": {"company": company["id"], "contact": contact["id"], "deal": deal["id"]},
        "pipeline": pipeline["id"],
    }


# page -> who opens it, and whether the escaped payload must be on it
PAGES = {
    "/": ("sales", False),
    "/companies/": ("sales", True),
    "/companies/{company}/": ("sales", True),
    "/companies/{company}/edit/": ("sales", True),
    "/contacts/": ("sales", True),
    "/contacts/{contact}/": ("sales", True),
    "/contacts/{contact}/edit/": ("sales", True),
    "/activities/contact/{contact}/log/": ("sales", False),
    "/deals/": ("sales", True),
    "/deals/{deal}/": ("sales", True),
    "/deals/{deal}/edit/": ("sales", True),
    "/deals/{deal}/contacts/": ("sales", True),
    "/deals/board/{pipeline}/": ("sales", True),
    "/search/?q=Alfa": ("sales", True),
    "/search/?q=Xss": ("sales", True),
    "/activities/tasks/": ("sales", True),
    "/imports/": ("sales", False),
    "/settings/custom-fields/": ("admin", True),
    "/deals/pipelines/{pipeline}/": ("admin", True),
    "/audit/": ("sales", False),  # the sales user also holds auditor
}


@pytest.mark.parametrize("page", PAGES)
def test_stored_payloads_render_escaped_on_every_page(stored, page):
    who, shows_payload = PAGES[page]
    path = page.format_map({**stored["ids"], "pipeline": stored["pipeline"]})
    response = stored[who].get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.content.decode()
    assert problems(html) == [], path
    assert SCRIPT not in html and "<img src=x" not in html, path
    if shows_payload:
        assert ESCAPED in html, path


def test_the_escaped_payload_is_also_in_the_timeline_around_a_mention(stored):
    html = stored["sales"].get(f"/contacts/{stored['ids']['contact']}/").content.decode()
    assert "talked to" in html and html.count(ESCAPED) >= 3
    assert problems(html) == []


def test_the_attachment_name_renders_escaped_in_the_list(stored):
    html = stored["sales"].get(f"/companies/{stored['ids']['company']}/").content.decode()
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.pdf" in html


@pytest.mark.parametrize(
    "path",
    ["/api/v1/companies/{company}", "/api/v1/contacts/{contact}", "/api/v1/deals/{deal}"],
)
def test_api_answers_with_payloads_are_json(stored, path):
    response = stored["sales"].get(path.format_map(stored["ids"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert PAYLOAD in response.content.decode("unicode_escape")


def test_the_parser_finds_what_a_browser_would_run():
    page = f'<p>{PAYLOAD}</p><a href="javascript:alert(1)">x</a><script src="/a.js"></script>'
    assert problems(page) == [
        "<script> without src",
        "inline script: alert(1)",
        "<img onerror=...>",
        "<a href=javascript:alert(1)>",
    ]
