"""Behind a reverse proxy: X-Forwarded-For names the client only when a trusted proxy
sent the request (LETHE_TRUSTED_PROXIES); the throttle and the audit log use that address."""

import pytest
from django.test import Client, RequestFactory

from lethe import config
from lethe.audit.models import Action, AuditEvent
from lethe.core.clientaddr import client_address
from tests.accounts.conftest import log_in
from tests.conftest import ALL
from tests.helpers import client_with

PROXY = "10.0.0.5"
ATTACKER = "198.51.100.7"
VICTIM = "203.0.113.20"
WRONG = "not the password 42"


@pytest.fixture
def behind_proxy(settings):
    settings.LETHE_TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8::/32"]


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_a_forwarded_header_is_ignored():
    assert address(ATTACKER, "192.0.2.99") == ATTACKER
    assert address(PROXY, VICTIM) == PROXY


def test_a_forged_header_from_an_untrusted_address_is_ignored(behind_proxy):
    assert address(ATTACKER, VICTIM) == ATTACKER
    assert address(ATTACKER, f"{VICTIM}, {PROXY}") == ATTACKER


def test_from_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(behind_proxy):
    assert address(PROXY, ATTACKER) == ATTACKER
    # The client wrote the left part itself; only what our proxies appended counts.
    assert address(PROXY, f"{VICTIM}, {ATTACKER}") == ATTACKER
    assert address(PROXY, f"{VICTIM}, {ATTACKER}, 10.0.0.9") == ATTACKER
    assert address(PROXY, f"{ATTACKER}:51234") == ATTACKER
    assert address(PROXY, "[2001:db9::7]:443") == "2001:db9::7"
    assert address("2001:db8::1", "2001:db9::7") == "2001:db9::7"


def test_a_trusted_proxy_without_a_usable_header_is_the_address(behind_proxy):
    assert address(PROXY) == PROXY
    assert address(PROXY, "") == PROXY
    assert address(PROXY, "unknown") == PROXY
    assert address(PROXY, f"{VICTIM}, garbage") == PROXY
    assert address(PROXY, "10.0.0.9, 10.0.0.8") == "10.0.0.9"  # all ours: where it began


@pytest.mark.django_db(databases=ALL)
def test_behind_the_proxy_the_throttle_keys_on_each_client(alice, clock, behind_proxy):
    for _ in range(5):
        log_in(Client(), password=WRONG, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    throttled = log_in(Client(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert throttled.status_code == 200 and "Too many failed log-ins" in throttled.text
    # Through the same proxy, the real user from their own address is not held back.
    assert log_in(Client(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM).status_code == 302
    failures = AuditEvent.objects.filter(action=Action.LOGIN_FAILURE)
    assert {e.client_addr for e in failures} == {ATTACKER}
    success = AuditEvent.objects.get(action=Action.LOGIN_SUCCESS)
    assert success.client_addr == VICTIM


@pytest.mark.django_db(databases=ALL)
def test_a_spoofed_header_does_not_escape_the_throttle(alice, clock, behind_proxy):
    for n in range(5):
        log_in(Client(), password=WRONG, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    spoofed = log_in(Client(), REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert "Too many failed log-ins" in spoofed.text
    assert {e.client_addr for e in AuditEvent.objects.all()} == {ATTACKER}


@pytest.mark.django_db(databases=ALL)
def test_the_audit_log_of_a_signed_in_request_names_the_client(behind_proxy):
    client, _ = client_with("sales")
    client.post(
        "/api/v1/companies",
        '{"name": "Proxy AB"}',
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=VICTIM,
    )
    created = AuditEvent.objects.filter(record_kind="company", action=Action.CREATE).last()
    assert created is not None and created.client_addr == VICTIM


def test_the_setting_lists_addresses_or_networks(tmp_path):
    environ = {"LETHE_DATA_DIR": str(tmp_path)}
    assert config.load(environ).trusted_proxies == ()
    given = {**environ, "LETHE_TRUSTED_PROXIES": "10.0.0.5, 172.16.0.0/12 2001:db8::/32"}
    assert config.load(given).trusted_proxies == ("10.0.0.5/32", "172.16.0.0/12", "2001:db8::/32")
    with pytest.raises(config.ConfigError, match=r"LETHE_TRUSTED_PROXIES.*'proxy\.local'"):
        config.load({**environ, "LETHE_TRUSTED_PROXIES": "10.0.0.5,proxy.local"})
