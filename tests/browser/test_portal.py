"""The self-service portal in a real browser: make a request, follow the link from the
outbox, confirm it, and see the request; the strict CSP holds on every page."""

import re

import pytest
from django.core import mail

from lethe.dsr.models import Request
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)

LINK = re.compile(r"http://[^/\s]+(/portal/link/[^/\s]+/)")


def test_a_person_makes_a_request_and_confirms_it_from_the_e_mailed_link(page, live_server, shots):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/portal/")
    page.get_by_label("Correct data about me that is wrong or incomplete").check()
    page.get_by_label("For a correction").fill("Mitt efternamn stavas Öström, inte Ostrom")
    page.get_by_label("Your e-mail address").fill("asa.ostrom@example.com")
    shots(page, "portal-form")
    page.get_by_role("button", name="Send me the link").click()
    page.wait_for_url(f"{live_server.url}/portal/sent/")
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()
    assert Request.objects.count() == 0

    (message,) = mail.outbox
    assert message.to == ["asa.ostrom@example.com"]
    link = LINK.search(message.body).group(1)
    page.goto(f"{live_server.url}{link}")
    page.get_by_role("button", name="Confirm my request").click()
    page.wait_for_url(f"{live_server.url}/portal/request/")
    dsr = Request.objects.get()
    assert page.get_by_role("heading", name=f"Your request #{dsr.pk}").is_visible()
    assert page.get_by_text("E-mail address confirmed").is_visible()
    shots(page, "portal-request")
    assert (dsr.source, dsr.kind, dsr.status) == ("portal", "rectification", "verified")

    page.goto(f"{live_server.url}{link}")
    assert page.get_by_text("This link has been used already").is_visible()
    assert not [p for p in problems if "Content Security Policy" in p], problems
