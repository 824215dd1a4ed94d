"""Sessions: a new key at log-in, server-side log-out, idle and absolute time limits."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from lethe import config
from tests.accounts.conftest import log_in
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL)
COOKIE = settings.SESSION_COOKIE_NAME


def test_log_in_gives_a_new_session_key_and_drops_the_old_one(alice):
    client = Client()
    session = client.session
    session["before"] = "log-in"
    session.save()
    before = session.session_key
    response = log_in(client)
    assert response.status_code == 302
    after = client.cookies[COOKIE].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get("/").status_code == 200


def test_log_out_ends_the_session_on_the_server(alice):
    client = Client()
    log_in(client)
    stolen = Client()
    stolen.cookies[COOKIE] = key = client.cookies[COOKIE].value
    assert stolen.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    response = stolen.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_session_idle_for_more_than_30_minutes_ends(alice, clock):
    client = Client()
    log_in(client)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=29)  # 58 minutes after log-in, 29 after the last request
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/api/v1/companies").status_code == 401


def test_a_busy_session_still_ends_12_hours_after_log_in(alice, clock):
    client = Client()
    log_in(client)
    for _ in range(47):  # a request every 15 minutes: 11 h 45 min
        clock.advance(minutes=15)
        assert client.get("/").status_code == 200
    clock.advance(minutes=16)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    # Logged out for good: the session is gone, not just refused this once.
    clock.advance(minutes=1)
    assert client.get("/").status_code == 302


def test_a_session_without_a_log_in_time_is_ended(alice):
    client = Client()
    log_in(client)
    session = client.session
    del session["lethe_login_at"]
    session.save()
    assert client.get("/").status_code == 302


def test_session_limits_come_from_the_environment(tmp_path):
    loaded = config.load(
        {
            "LETHE_DATA_DIR": str(tmp_path),
            "LETHE_SESSION_IDLE_MINUTES": "10",
            "LETHE_SESSION_MAX_HOURS": "8",
        }
    )
    assert (loaded.session_idle_minutes, loaded.session_max_hours) == (10, 8)
    defaults = config.load({"LETHE_DATA_DIR": str(tmp_path)})
    assert (defaults.session_idle_minutes, defaults.session_max_hours) == (30, 12)
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.LETHE_SESSION_MAX_AGE == 12 * 3600
    with pytest.raises(config.ConfigError, match="LETHE_SESSION_IDLE_MINUTES"):
        config.load({"LETHE_DATA_DIR": str(tmp_path), "LETHE_SESSION_IDLE_MINUTES": "0"})
