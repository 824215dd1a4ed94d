"""Records of the rights pages and endpoints for the URL matrix and the security tests."""

from lethe.dsr import recipients, register
from lethe.dsr.models import Notification
from lethe.vault.policy import Actor, Purpose

SYSTEM = Actor.system("tests")
IDS = ("rectification_request", "restriction_request", "notification", "api_notification")
IDS += ("recipient", "disclosure")


def rights_ids(contact) -> dict:
    """Return ids filling the rights placeholders of the URL matrix, for `contact`'s person."""
    rectification, restriction = (
        register.open_request(SYSTEM, kind, "email", {"email": "matrix@example.org"})
        for kind in ("rectification", "restriction")
    )
    first, second = (
        recipients.create_recipient(SYSTEM, name, "processor") for name in ("Matrix AB", "Mx AB")
    )
    disclosure = recipients.record_disclosure(
        SYSTEM, first, [contact.subject_id], ["user.name"], Purpose.CUSTOMER_RELATIONSHIP, "export"
    )
    return {
        "rectification_request": rectification.pk,
        "restriction_request": restriction.pk,
        "notification": Notification.objects.create(request=restriction, recipient=first).pk,
        "api_notification": Notification.objects.create(request=restriction, recipient=second).pk,
        "recipient": first.pk,
        "disclosure": disclosure.pk,
    }
