"""Brute force: the throttle engages, and the real user can still log in from elsewhere."""

import datetime

import pytest
from django.test import Client

from lethe.accounts import throttle
from lethe.accounts.models import LoginThrottle, User
from lethe.audit.models import AuditEvent
from tests.accounts.conftest import log_in
from tests.conftest import ALL
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db(databases=ALL)
ATTACKER = "198.51.100.7"
HOME = "203.0.113.20"
WRONG = "not the password 42"


def attempt(password=WRONG, address=ATTACKER, email="alice@lethe.example"):
    return log_in(Client(), email, password, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302


def test_five_failures_throttle_the_account_from_that_address(alice, clock):
    for _ in range(5):
        response = attempt()
        assert response.status_code == 200
        assert "Too many" not in response.text
    response = attempt(PASSWORD)  # even the right password is not checked now
    assert not signed_in(response)
    assert "Too many failed log-ins. Try again in 15 seconds." in response.text


def test_the_real_user_still_logs_in_from_another_address(alice, clock):
    for _ in range(12):
        clock.advance(minutes=16)  # the attacker waits out every delay
        attempt()
    assert "Too many" in attempt(PASSWORD).text
    assert signed_in(attempt(PASSWORD, address=HOME))


def test_the_delay_doubles_with_each_failure_up_to_15_minutes(alice, clock):
    waits = []
    for _ in range(12):
        attempt()
        waits.append(throttle.wait("alice@lethe.example", ATTACKER))
        clock.advance(minutes=15, seconds=1)
    seconds = [w.total_seconds() if w else 0 for w in waits]
    assert seconds == [0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900, 900]


def test_an_attempt_after_the_delay_is_checked_again(alice, clock):
    for _ in range(5):
        attempt()
    assert "Too many" in attempt(PASSWORD).text
    clock.advance(seconds=16)
    assert signed_in(attempt(PASSWORD))


def test_a_successful_log_in_clears_the_count_for_its_address(alice, clock):
    for _ in range(4):
        attempt()
    assert signed_in(attempt(PASSWORD))
    for _ in range(4):
        attempt()
    assert signed_in(attempt(PASSWORD))


def test_many_accounts_tried_from_one_address_throttle_that_address(alice, clock):
    for n in range(throttle.ADDRESS_LIMIT):
        attempt(email=f"guess{n}@lethe.example")
    response = attempt(PASSWORD)
    assert "Too many" in response.text
    assert signed_in(attempt(PASSWORD, address=HOME))


def test_counts_are_shared_through_the_database_and_name_no_one(alice, clock):
    for _ in range(5):
        attempt()
    rows = list(LoginThrottle.objects.values_list("key", "failures"))
    assert sorted(f for _k, f in rows) == [5, 5]
    stored = repr(rows)
    assert "alice" not in stored
    assert ATTACKER not in stored


def test_failed_and_throttled_attempts_are_audited_without_the_password(alice, clock):
    for _ in range(5):
        attempt()
    attempt(PASSWORD)
    events = AuditEvent.objects.filter(action="login_failure").order_by("seq")
    reasons = [e.detail.get("reason") for e in events]
    assert reasons == ["credentials"] * 5 + ["throttled"]
    assert all(e.outcome == "denied" and e.client_addr == ATTACKER for e in events)
    dump = repr(list(AuditEvent.objects.values()))
    assert WRONG not in dump
    assert PASSWORD not in dump
    assert "alice@" not in dump


def test_an_address_count_fades_after_a_quiet_day(alice, clock):
    for _ in range(5):
        attempt()
    clock.advance(hours=25)
    attempt()
    assert throttle.wait("alice@lethe.example", ATTACKER) is None
    assert User.objects.get(email="alice@lethe.example").is_active


def test_waits_read_as_words():
    assert throttle.in_words(datetime.timedelta(seconds=15)) == "15 seconds"
    assert throttle.in_words(datetime.timedelta(minutes=15)) == "15 minutes"
