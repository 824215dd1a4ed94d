"""Every kind of request, end to end through the API, with the real handlers.

A DPO registers the request (`POST /api/v1/dsr`), verifies the requester, locates and
confirms them, gives the corrections (rectification), reads the plan, fulfils, and the
effect is checked through the API too: exports listed and downloaded, the contact read
back by its owner. The command line and the console pages do the same in
test_end_to_end_cli.py and test_end_to_end_web.py.
"""

from __future__ import annotations

import pytest

from lethe.dsr.models import Request
from tests.conftest import ALL
from tests.dsr.end_to_end import KINDS, NEW_TITLE, assert_steps, check_effect, make_asker
from tests.helpers import post

pytestmark = pytest.mark.django_db(databases=ALL)

URL = "/api/v1/dsr"


@pytest.fixture
def asker(people):
    return make_asker(people)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_request_is_answered_end_to_end_through_the_api(kind, asker):
    client = asker.dpo_client
    created = post(client, URL, {"kind": kind, "identified_by": "email", "email": asker.email})
    assert created.status_code == 201, created.content
    ident = created.json()["id"]
    path = f"{URL}/{ident}"
    verified = post(client, f"{path}/verify", {"method": "identity_document"})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    located = post(client, f"{path}/locate")
    assert located.status_code == 200, located.content
    assert [s["subject"] for s in located.json()["subjects"]] == [asker.subject]
    confirmed = post(client, f"{path}/confirm", {"subjects": [asker.subject]})
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] == 1
    if kind == "rectification":
        given = post(client, f"{path}/rectification", {"corrections": {"job_title": NEW_TITLE}})
        assert given.status_code == 200, given.content
        assert given.json()["corrections"] == {"job_title": NEW_TITLE}
        assert client.get(f"{path}/rectification").json()["fields"] == ["job_title"]
    planned = client.get(f"{path}/plan")
    assert planned.status_code == 200
    if kind == "erasure":
        assert planned.json()["needed"] is True
        assert asker.email not in planned.content.decode()
        assert str(asker.contact.pk) in planned.content.decode()
    else:
        assert planned.json() == {"needed": False, "plan": None}
    fulfilled = post(client, f"{path}/fulfil")
    assert fulfilled.status_code == 200, fulfilled.content
    assert fulfilled.json()["status"] == "completed"
    read = client.get(path).json()
    assert_steps(kind, [s["step"] for s in read["steps"]])
    listed = client.get(f"{path}/exports")
    assert listed.status_code == 200
    exports = {e["id"]: e for e in listed.json()}

    def download(export_id: str) -> bytes:
        assert exports[export_id]["available"] is True
        response = client.get(exports[export_id]["url"])
        assert response.status_code == 200, response.content[:300]
        assert response["Cache-Control"] == "no-store"
        return b"".join(response.streaming_content) if response.streaming else response.content

    check_effect(kind, asker, Request.objects.get(pk=ident), download)
