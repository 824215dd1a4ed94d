"""IDOR: every object id of a person's records, in every endpoint and page of the URL
matrix, tried by a salesperson of another team and by a signed-in outsider with no role:
nothing of the person is shown, and nothing is changed."""

import json

import pytest

from lethe.accounts.models import Team
from lethe.contacts.models import Contact
from lethe.vault import gate
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.helpers import client_with
from tests.security.conftest import filled
from tests.test_access_matrix import MATRIX

pytestmark = pytest.mark.django_db(databases=ALL)

SECRET_NAME = "Hemligsson"
SECRET_MAIL = "hemlig.person@example.org"
# Entries that touch the matrix contact or records sealed under its person's key.
PERSONAL = [
    name
    for name, (_m, path, _r, body, _ok) in MATRIX.items()
    if "{contact}" in path or "{activity}" in path or "{contact}" in str(body)
]


@pytest.fixture
def owned(matrix_ids):
    """The matrix contact, owned by a salesperson of team Nord, with personal values."""
    _, owner = client_with("sales", "idor-owner")
    Team.objects.create(name="Nord").members.add(owner)
    contact = Contact.objects.get(pk=matrix_ids["contact"])
    contact.owner = owner
    contact.save()
    gate.write(
        Actor.system("tests"),
        contact.subject,
        {"last_name": SECRET_NAME, "email": [SECRET_MAIL]},
        Purpose.CUSTOMER_RELATIONSHIP,
    )
    return contact


def test_the_list_covers_the_personal_records():
    assert {"contacts:detail", "api:read_contact", "api:update_contact"} <= set(PERSONAL)
    assert len(PERSONAL) >= 15


@pytest.mark.parametrize("who", ["other team", "outsider"])
@pytest.mark.parametrize("name", PERSONAL)
def test_another_team_and_an_outsider_see_and_change_nothing_of_the_person(
    matrix_ids, owned, who, name
):
    if who == "other team":
        client, stranger = client_with("sales", "idor-stranger", fresh=True)
        Team.objects.create(name="Syd").members.add(stranger)
    else:
        client, _ = client_with(None, "idor-outsider", fresh=True)
    method, path, body = filled(name, matrix_ids)
    request = getattr(client, method)
    if body is None:
        response = request(path)
    elif name.startswith("api:"):
        response = request(path, body, content_type="application/json")
    else:
        response = request(path, body)
    assert response.status_code < 500, (name, response.status_code)
    text = response.content.decode(errors="replace")
    assert SECRET_NAME not in text and SECRET_MAIL not in text, (name, who)
    contact = Contact.objects.filter(pk=owned.pk).first()
    assert contact is not None, (name, who, "the contact was deleted")
    values = gate.read(
        Actor("user", str(contact.owner_id), frozenset({Role.SALES})),
        [contact.subject_id],
        Purpose.CUSTOMER_RELATIONSHIP,
        names=["last_name", "email"],
    )[contact.subject_id]
    assert values == {"last_name": SECRET_NAME, "email": [SECRET_MAIL]}, (name, who)


# A person's own activity and files: an activity on the contact (its text sealed under
# the person's key), files on the contact and files on that activity. Every endpoint
# and page that takes an activity id or an attachment's record and id is tried with
# them, by the other team and by the outsider.

# ASCII, so that the JSON answers (which escape other letters) would show them as typed.
SECRET_NOTE = "Hemligt samtal om skilsmassan 5521"
SECRET_FILE = "Lonebesked Hemligsson.pdf"
SECRET_BYTES = b"%PDF-1.7 hemligt innehall 4711"
FILES = ("/attachments/company/{company}", "/api/v1/attachments/company/{company}")
OWN_RECORDS = [
    *[
        (name, "activity")
        for name, (_m, path, _r, body, _ok) in MATRIX.items()
        if "{activity}" in path or "{activity}" in str(body)
    ],
    *[
        (name, files)
        for name, (_m, path, _r, _b, _ok) in MATRIX.items()
        if path.startswith(FILES)
        for files in ("contact files", "activity files")
    ],
]


@pytest.fixture
def own_records(owned):
    """The person's activity (owned by their salesperson) and two files each on the
    contact and on the activity."""
    from lethe.activities.actions import create_activity
    from lethe.attachments import actions as attachments
    from lethe.attachments.registry import resolve

    system = Actor.system("tests")
    activity = create_activity(
        system,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"kind": "call", "contact": owned, "body": SECRET_NOTE},
        owner=owned.owner,
    )
    files = {}
    for kind, pk in (("contact", owned.pk), ("activity", activity.pk)):
        record = resolve(system, kind, pk)
        files[kind] = [
            attachments.upload(
                system, Purpose.CUSTOMER_RELATIONSHIP, record, SECRET_FILE, SECRET_BYTES
            ).pk
            for _ in range(2)
        ]
    return activity, files


def own_request(name: str, variant: str, ids: dict, activity, files) -> tuple[str, str, object]:
    """Return method, path and body of a MATRIX entry aimed at the person's own records."""
    method, path, _rule, body, _ok = MATRIX[name]
    ids = {**ids, "activity": activity.pk}
    if variant != "activity":
        kind = variant.split()[0]
        path = path.replace("company/{company}", f"{kind}/{{{kind}}}")
        ids.update(attachment=files[kind][0], spare=files[kind][1])
    path = path.format_map(ids)
    if body is not None:
        body = {k: v.format_map(ids) if isinstance(v, str) else v for k, v in body.items()}
        body = json.dumps(body) if name.startswith("api:") else body
    return method, path, body


def test_the_list_covers_activities_and_files_of_the_person():
    names = {name for name, _ in OWN_RECORDS}
    assert {"api:read_activity", "api:delete_activity", "activities:complete"} <= names
    assert {"attachments:download", "attachments:delete", "api:download_attachment"} <= names
    assert ("api:list_attachments", "activity files") in OWN_RECORDS
    assert ("attachments:upload", "contact files") in OWN_RECORDS


@pytest.mark.parametrize("who", ["other team", "outsider"])
@pytest.mark.parametrize(("name", "variant"), OWN_RECORDS)
def test_the_persons_activities_and_files_are_closed_to_another_team_and_an_outsider(
    matrix_ids, owned, own_records, who, name, variant
):
    from django.test import Client

    from lethe.attachments.models import Attachment

    activity, files = own_records
    if who == "other team":
        client, stranger = client_with("sales", "idor-stranger", fresh=True)
        Team.objects.create(name="Syd").members.add(stranger)
    else:
        client, _ = client_with(None, "idor-outsider", fresh=True)
    method, path, body = own_request(name, variant, matrix_ids, activity, files)
    request = getattr(client, method)
    if body is None:
        response = request(path)
    elif name.startswith("api:"):
        response = request(path, body, content_type="application/json")
    else:
        response = request(path, body)
    assert response.status_code < 500, (name, variant, response.status_code)
    content = b"".join(response) if response.streaming else response.content
    text = content.decode(errors="replace")
    for secret in (SECRET_NAME, SECRET_MAIL, SECRET_NOTE, SECRET_FILE, "Lonebesked"):
        assert secret not in text, (name, variant, who, secret)
    assert SECRET_BYTES not in content, (name, variant, who)
    # Nothing of the person changed: the owner still reads the text and every file.
    owner = Client()
    owner.force_login(owned.owner)
    read = owner.get(f"/api/v1/activities/{activity.pk}")
    assert read.status_code == 200 and SECRET_NOTE in read.content.decode(), (name, variant)
    for kind, object_id in (("contact", owned.pk), ("activity", activity.pk)):
        for file_id in files[kind]:
            assert Attachment.objects.filter(pk=file_id).exists(), (name, variant, who)
            got = owner.get(f"/api/v1/attachments/{kind}/{object_id}/{file_id}")
            assert got.status_code == 200, (name, variant, kind)
            assert b"".join(got) == SECRET_BYTES
