"""IDOR: every object id of a person's records, in every endpoint and page of the URL
matrix, tried by a salesperson of another team and by a signed-in outsider with no role:
nothing of the person is shown, and nothing is changed."""

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
