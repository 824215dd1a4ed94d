"""TOTP second factor: enrolment, the code at log-in, recovery codes, required for admin/dpo."""

import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lethe.accounts.models import RecoveryCode, RoleGrant, User
from lethe.audit.models import AuditEvent
from tests.accounts.conftest import log_in
from tests.conftest import ALL
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db(databases=ALL)
CODES = re.compile(r"<code>([0-9a-f]{5}(?:-[0-9a-f]{5}){3})</code>")


def code_for(device, offset=0) -> str:
    """Return the code an authenticator app shows for `device` now (+offset steps)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/account/two-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "otpauth://totp/" in page.text
    response = client.post("/account/two-factor/", {"code": code_for(device)})
    assert response.status_code == 200
    return device, CODES.findall(response.text)


def user_with(role, email):
    user = User.objects.create_user(email, PASSWORD)
    RoleGrant.objects.create(user=user, role=role)
    return user


def test_enrolment_confirms_the_device_and_shows_ten_recovery_codes_once(alice):
    client = Client()
    log_in(client)
    device, codes = enrol(client, alice)
    device.refresh_from_db()
    assert device.confirmed
    assert len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=alice).values_list("digest", flat=True))
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    again = client.get("/account/two-factor/")
    assert "Unused recovery codes: 10." in again.text
    assert not CODES.findall(again.text)


def test_a_wrong_enrolment_code_is_refused_next_to_the_field(alice):
    client = Client()
    log_in(client)
    client.get("/account/two-factor/")
    response = client.post("/account/two-factor/", {"code": "000000x"})
    assert "Code: that code is not right" in response.text
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert not RecoveryCode.objects.exists()
    assert "Code: This field is required." in client.post("/account/two-factor/", {}).text


def test_log_in_asks_for_the_code_after_the_password(alice, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own wait after a wrong code
    enrolling = Client()
    log_in(enrolling)
    device, _ = enrol(enrolling, alice)
    client = Client()
    response = log_in(client)
    assert response.status_code == 302
    page = client.get("/contacts/")
    assert page.status_code == 302
    assert page["Location"] == "/account/verify/?next=%2Fcontacts%2F"
    assert client.get("/api/v1/contacts").status_code == 401
    wrong = client.post("/account/verify/", {"code": "123456", "next": "/contacts/"})
    assert "Code: that code is not right" in wrong.text
    done = client.post("/account/verify/", {"code": code_for(device, 1), "next": "/contacts/"})
    assert done["Location"] == "/contacts/"
    assert client.get("/contacts/").status_code == 200
    details = [e.detail for e in AuditEvent.objects.filter(record_kind="user").order_by("seq")]
    assert {"second_factor": "wrong code"} in details
    assert {"second_factor": "totp"} in details
    assert device.key not in repr(list(AuditEvent.objects.values()))


def test_a_totp_code_cannot_be_used_twice(alice):
    enrolling = Client()
    log_in(enrolling)
    device, _ = enrol(enrolling, alice)
    code = code_for(device, 1)
    first, second = Client(), Client()
    log_in(first)
    log_in(second)
    assert first.post("/account/verify/", {"code": code}).status_code == 302
    assert second.post("/account/verify/", {"code": code}).status_code == 200


def test_a_recovery_code_works_once(alice):
    enrolling = Client()
    log_in(enrolling)
    _, codes = enrol(enrolling, alice)
    client = Client()
    log_in(client)
    assert client.post("/account/verify/", {"code": codes[3].upper()}).status_code == 302
    assert client.get("/").status_code == 200
    again = Client()
    log_in(again)
    assert again.post("/account/verify/", {"code": codes[3]}).status_code == 200
    assert again.get("/").status_code == 302
    assert RecoveryCode.objects.filter(user=alice, used_at=None).count() == 9


@pytest.mark.parametrize("role", ["admin", "dpo"])
def test_admin_and_dpo_must_enrol_before_anything_else(role):
    user = user_with(role, f"{role}@lethe.example")
    client = Client()
    log_in(client, user.email)
    response = client.get("/audit/" if role == "dpo" else "/settings/custom-fields/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/?next=")
    assert "Your role needs a second factor" in client.get("/account/two-factor/").text
    enrol(client, user)
    assert client.get("/").status_code == 200


def test_others_may_go_on_without_a_second_factor(alice):
    client = Client()
    log_in(client)
    assert client.get("/contacts/").status_code == 200
    assert "Your role needs" not in client.get("/account/two-factor/").text


def test_verify_does_not_redirect_elsewhere(alice):
    enrolling = Client()
    log_in(enrolling)
    device, _ = enrol(enrolling, alice)
    client = Client()
    log_in(client)
    response = client.post(
        "/account/verify/", {"code": code_for(device, 1), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_wrong_code_makes_the_next_one_wait(alice):
    enrolling = Client()
    log_in(enrolling)
    device, _ = enrol(enrolling, alice)
    client = Client()
    log_in(client)
    client.post("/account/verify/", {"code": "123456"})
    assert client.post("/account/verify/", {"code": code_for(device, 1)}).status_code == 200
