"""Every kind of request, end to end through the privacy console's pages, real handlers.

The DPO follows the pages as a browser would: the form to register, the request page's
forms, its link to the corrections page (rectification), the plan on the fulfil page,
and the download links the request page lists for its exports.
"""

from __future__ import annotations

import re

import pytest

from lethe.dsr.models import Request
from tests.conftest import ALL
from tests.dsr.end_to_end import KINDS, NEW_TITLE, assert_steps, check_effect, make_asker

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def asker(people):
    return make_asker(people)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def posted(client, path: str, data: dict | None = None) -> str:
    """POST a form; it must succeed with a 303; return where it sends the browser."""
    response = client.post(path, data or {})
    assert response.status_code == 303, (path, response.content.decode()[:800])
    return response["Location"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_request_is_answered_end_to_end_through_the_console(kind, asker):
    client = asker.dpo_client
    assert f'value="{kind}"' in page(client, "/console/requests/new/")
    where = posted(
        client,
        "/console/requests/new/",
        {"kind": kind, "identified_by": "email", "email": asker.email},
    )
    request = Request.objects.get()
    base = f"/console/requests/{request.pk}"
    assert where == f"{base}/" and request.source == "console"
    posted(client, f"{base}/verify/", {"method": "bankid"})
    posted(client, f"{base}/locate/")
    located = page(client, f"{base}/")
    assert f'value="{asker.subject}"' in located and asker.person["last_name"] in located
    posted(client, f"{base}/confirm/", {"subjects": [asker.subject]})
    shown = page(client, f"{base}/")
    if kind == "rectification":
        corrections = f"/console/rights/requests/{request.pk}/rectification/"
        assert f'href="{corrections}"' in shown
        assert "No corrections given yet" in page(client, corrections)
        correction = {"field": "job_title", "value": NEW_TITLE}
        assert posted(client, corrections, correction) == corrections
        assert NEW_TITLE in page(client, corrections)
    plan = page(client, f"{base}/fulfil/")
    assert "1 confirmed subject" in plan
    if kind == "erasure":
        assert "need no plan" not in plan and "{&#x27;" not in plan  # words, not a dump
        assert f"<code>{asker.subject}</code> (contact {asker.contact.pk})" in plan
        assert "<h4>Erased</h4>" in plan and "<h4>Kept, and why</h4>" in plan
        assert "<dt>activities</dt><dd>1 (" in plan and asker.email not in plan
    else:
        assert "need no plan" in plan
    assert posted(client, f"{base}/fulfil/") == f"{base}/"
    done = page(client, f"{base}/")
    assert "Sealed: the request is closed" in done and asker.email not in done
    logged = re.findall(r"<tr><td>[^<]*</td><td>([a-z_]+)</td>", done)
    assert_steps(kind, logged)
    rights = set(re.findall(rf'href="(/console/rights/requests/{request.pk}/[a-z]+/)"', done))
    assert len(rights) == {"rectification": 2, "restriction": 2, "erasure": 1}.get(kind, 0)
    for linked in rights:  # the pages of the kind, and the recipients to tell
        assert f'href="{base}/"' in page(client, linked)
    links = dict(re.findall(r'href="/console/exports/([0-9a-f-]{36})/">([^<]+)</a>', done))
    if kind in ("access", "portability", "erasure"):
        assert links, "the request page lists its exports"
        assert all(name.startswith(f"dsr-{request.pk}-") for name in links.values())

    def download(export_id: str) -> bytes:
        assert export_id in links, "linked from the request page"
        response = client.get(f"/console/exports/{export_id}/")
        assert response.status_code == 200, response.status_code
        return b"".join(response.streaming_content) if response.streaming else response.content

    check_effect(kind, asker, request, download)
