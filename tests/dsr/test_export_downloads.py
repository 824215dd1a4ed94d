"""The DPO's downloads of exports: the API and the console page, through the whole stack."""

import datetime
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from lethe.audit.models import Action, AuditEvent
from lethe.dsr import fulfilment, store
from lethe.dsr.models import Export
from tests.conftest import ALL
from tests.dsr.conftest import SYSTEM, full_name, make_everything
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def made(people):
    """A portability request fulfilled by its DPO: (world, export)."""
    world = make_everything(people, kind="portability")
    outcome = fulfilment.handler_for(world.request)(world.dpo, world.request)
    return world, Export.objects.get(pk=outcome["exports"]["portability.zip"])


def api(export) -> str:
    return f"/api/v1/dsr/exports/{export.id}"


def page(export) -> str:
    return f"/console/exports/{export.id}/"


def test_the_dpo_lists_a_requests_exports_without_personal_data(made):
    world, export = made
    client, _ = client_with("dpo", "dpo-web", fresh=True)
    response = client.get(f"/api/v1/dsr/{world.request.pk}/exports")
    assert response.status_code == 200
    [listed] = response.json()
    assert listed["id"] == str(export.id) and listed["kind"] == "portability.zip"
    assert listed["available"] is True and listed["url"] == api(export)
    assert full_name(world.person) not in response.content.decode()
    missing = client.get("/api/v1/dsr/999999/exports")
    assert missing.status_code == 404 and "request_id" in missing.json()["errors"]


def test_the_api_download_is_an_audited_attachment_read_in_the_requests_case(made):
    world, export = made
    client, user = client_with("dpo", "dpo-web", fresh=True)
    response = client.get(api(export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="dsr-{world.request.pk}-portability.zip"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "data.json" in archive.namelist()
    export.refresh_from_db()
    assert export.downloads == 1
    event = AuditEvent.objects.filter(action=Action.EXPORT, record_id=str(export.id)).last()
    assert event.actor == f"user:{user.pk}" and event.case_id == world.request.case
    assert event.detail["download"] == "api"
    assert event.subjects == [str(world.contact.subject_id)]


def test_the_console_page_downloads_after_re_authentication(made):
    _, export = made
    client, _ = client_with("dpo", "dpo-web")
    response = client.get(page(export))
    assert response.status_code == 302 and response["Location"].startswith("/reauth/")
    assert Export.objects.get(pk=export.pk).downloads == 0
    client, _ = client_with("dpo", "dpo-fresh", fresh=True)
    response = client.get(page(export))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    event = AuditEvent.objects.filter(action=Action.EXPORT, record_id=str(export.id)).last()
    assert event.detail["download"] == "console"


def test_an_api_session_must_have_re_authenticated(made):
    _, export = made
    client, _ = client_with("dpo", "dpo-web")
    response = client.get(api(export))
    assert response.status_code == 403 and "reauthenticate" in response.json()
    assert Export.objects.get(pk=export.pk).downloads == 0


@pytest.mark.parametrize("role", ["sales", "support", "auditor", "admin", None])
def test_no_other_role_downloads_or_lists_exports(made, role):
    world, export = made
    client, _ = client_with(role, f"other-{role}", fresh=True)
    assert client.get(api(export)).status_code == 403
    assert client.get(f"/api/v1/dsr/{world.request.pk}/exports").status_code == 403
    assert client.get(page(export)).status_code == 403
    assert Export.objects.get(pk=export.pk).downloads == 0


def test_anonymous_visitors_are_sent_away(made):
    _, export = made
    assert Client().get(api(export)).status_code == 401
    response = Client().get(page(export))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_expired_export_is_gone(made, settings):
    world, export = made
    client, _ = client_with("dpo", "dpo-web", fresh=True)
    assert store.purge_expired(SYSTEM, now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert client.get(api(export)).status_code == 200
    later = timezone.now() + store.KEEP + datetime.timedelta(minutes=1)
    assert store.purge_expired(SYSTEM, now=later) == 1
    gone = client.get(api(export))
    assert gone.status_code == 410 and "expired" in gone.json()["detail"]
    response = client.get(page(export))
    assert response.status_code == 410 and b"Export gone" in response.content
    listed = client.get(f"/api/v1/dsr/{world.request.pk}/exports").json()
    assert listed[0]["available"] is False
    root = settings.CONFIG.data_dir / "exports"
    assert not any(p.name == str(export.id) for p in root.rglob("*"))


def test_an_export_past_its_expiry_is_gone_even_before_the_purge(made):
    _, export = made
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    client, _ = client_with("dpo", "dpo-web", fresh=True)
    assert client.get(api(export)).status_code == 410
    assert client.get(page(export)).status_code == 410


def test_an_unknown_export_is_not_found(made):
    client, _ = client_with("dpo", "dpo-web", fresh=True)
    unknown = "/api/v1/dsr/exports/00000000-0000-4000-8000-000000000000"
    response = client.get(unknown)
    assert response.status_code == 404 and "export_id" in response.json()["errors"]
    assert client.get("/console/exports/00000000-0000-4000-8000-000000000000/").status_code == 404
