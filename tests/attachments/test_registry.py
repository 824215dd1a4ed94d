"""The registry: any app can let its records take attachments; deleted records take theirs."""

import pytest

from lethe.attachments import registry
from lethe.attachments.models import Attachment
from lethe.companies.models import Company
from lethe.vault.policy import Role
from tests.attachments.conftest import PDF, api_path, make_company, make_deal, stored_files, upload
from tests.conftest import ALL
from tests.helpers import client_with as signed_in

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def memo_kind():
    """Register a kind the way another app (activities) would, in its ready()."""

    def resolve(actor, object_id):
        found = Company.objects.filter(pk=object_id, industry="memo").first()
        if found is None:
            return None
        return registry.Record(
            "memo", found.pk, found, frozenset({Role.SUPPORT}), frozenset({Role.SUPPORT})
        )

    registry.register("memo", resolve)
    yield
    registry.unregister("memo")


def test_a_registered_kind_takes_files_under_its_own_rules(memo_kind):
    assert registry.kinds() == ["activity", "company", "contact", "deal", "memo"]
    record = Company.objects.create(name="Memo", industry="memo")
    support, _ = signed_in("support")
    created = upload(support, "memo", record.pk)
    assert created.status_code == 201
    assert support.get(created.json()["url"]).content == PDF
    sales, _ = signed_in("sales")
    assert sales.get(api_path("memo", record.pk)).status_code == 403
    hidden = Company.objects.create(name="Not a memo")
    response = support.get(api_path("memo", hidden.pk))
    assert response.status_code == 404 and list(response.json()["errors"]) == ["object_id"]


def test_kinds_are_short_identifiers():
    with pytest.raises(ValueError):
        registry.register("no spaces", lambda actor, object_id: None)


@pytest.mark.parametrize("kind", ["company", "deal"])
def test_deleting_a_record_takes_its_files(kind, django_capture_on_commit_callbacks):
    client, _ = signed_in("sales")
    record = make_company() if kind == "company" else make_deal()
    upload(client, kind, record.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(
            f"/api/v1/{'companies' if kind == 'company' else 'deals'}/{record.pk}"
        )
    assert response.status_code == 204
    assert not Attachment.objects.exists()
    assert stored_files() == []
