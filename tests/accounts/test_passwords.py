"""Passwords: Argon2id hashes, and Django's validators refuse weak ones at every way in."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from lethe.accounts.actions import create_user
from lethe.accounts.models import User
from lethe.vault.policy import Actor, Role
from tests.conftest import ALL

GOOD = "a long test password 1"


@pytest.mark.django_db(databases=ALL)
def test_passwords_are_stored_as_argon2id():
    user = create_user(Actor.system("tests"), "anna@lethe.example", GOOD, {Role.SALES})
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")
    assert GOOD not in user.password
    assert user.check_password(GOOD)


@pytest.mark.django_db(databases=ALL)
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pw 1", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("839201746582931", "entirely numeric"),
        ("kalle.anka.lethe", "too similar"),
    ],
)
def test_create_user_refuses_a_weak_password_naming_the_field(password, reason):
    with pytest.raises(ValidationError) as exc:
        create_user(Actor.system("tests"), "kalle.anka@lethe.example", password, {Role.SALES})
    assert "password" in exc.value.message_dict
    assert reason in " ".join(exc.value.message_dict["password"])
    assert not User.objects.exists()
