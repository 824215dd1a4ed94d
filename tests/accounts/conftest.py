"""Fixtures for the log-in tests: a user with a known password, and a clock to move."""

import datetime

import pytest
from django.utils import timezone

from lethe.accounts.models import RoleGrant, User
from tests.helpers import PASSWORD


class Clock:
    """timezone.now() under test control: starts at the real time, moves only forward."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def alice():
    """A sales user who logs in with tests.helpers.PASSWORD."""
    user = User.objects.create_user("alice@lethe.example", PASSWORD)
    RoleGrant.objects.create(user=user, role="sales")
    return user


def log_in(client, email="alice@lethe.example", password=PASSWORD, **extra):
    """Post the log-in form; return the response."""
    return client.post("/login/", {"username": email, "password": password}, **extra)
