"""Fixtures for the security tests: one record of every kind the URL matrix needs."""

import datetime
import json

import pytest

from lethe.accounts import tokens
from lethe.accounts.models import Team, User
from lethe.activities.actions import create_activity
from lethe.attachments import actions as attachments
from lethe.attachments.registry import resolve as attachment_record
from lethe.companies.models import Company
from lethe.consent.models import MarketingList
from lethe.contacts.actions import create_contact
from lethe.customfields.models import CustomField
from lethe.deals.actions import create_pipeline, create_stage
from lethe.deals.models import Deal, Stage
from lethe.retention.models import Policy as RetentionPolicy
from lethe.vault.policy import Actor, Purpose
from tests.dsr.rights_ids import rights_ids
from tests.test_access_matrix import MATRIX, STAGE, dsr_ids, glass_of_another_dpo, manual_entry

SYSTEM = Actor.system("tests")
UNSAFE = ("post", "put", "patch", "delete")


@pytest.fixture
def matrix_ids():
    """Return the ids that fill the {placeholders} of MATRIX paths and bodies."""
    company = Company.objects.create(name="Säkerhet AB")
    contact = create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Testsson"}, {})
    first, second = Stage.objects.order_by("pipeline", "position")[:2]
    deal = Deal.objects.create(title="Säker affär", pipeline=first.pipeline, stage=first)
    activity = create_activity(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"kind": "task", "company": company, "due_date": datetime.date(2030, 1, 1), "body": "x"},
    )
    spare, api_spare = (create_pipeline(SYSTEM, {"name": n}) for n in ("Spare", "API spare"))
    record = attachment_record(SYSTEM, "company", company.pk)
    files = [
        attachments.upload(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, record, f"F{n}.pdf", b"%PDF-1.7")
        for n in range(2)
    ]
    member = User.objects.create_user("security-member@lethe.example", "a long test password 1")
    return {
        **rights_ids(contact),
        "member": member.pk,
        "team": Team.objects.create(name="Security").pk,
        "page_team": Team.objects.create(name="Security page").pk,
        "token": tokens.create(SYSTEM, member, "Security")[0].pk,
        "company": company.pk,
        "contact": contact.pk,
        "deal": deal.pk,
        "deal_stage": second.pk,
        "pipeline": spare.pk,
        "stage": create_stage(SYSTEM, spare, STAGE).pk,
        "api_pipeline": api_spare.pk,
        "api_stage": create_stage(SYSTEM, api_spare, STAGE).pk,
        "field": CustomField.objects.create(
            entity="company", key="tier", label="Tier", type="text"
        ).pk,
        "activity": activity.pk,
        "attachment": files[0].pk,
        "spare": files[1].pk,
        "policy": RetentionPolicy.objects.order_by("pk").first().pk,
        "glass": glass_of_another_dpo(SYSTEM),
        "manual_entry": manual_entry(member).pk,
        "spare_entry": manual_entry(member).pk,
        **dsr_ids(),
        **{
            key: MarketingList.objects.create(name=f"Security {key}").pk
            for key in ("marketing_list", "spare_list", "api_spare_list")
        },
    }


def unsafe_entries() -> list[str]:
    """Return the MATRIX names whose method changes state."""
    return [name for name, entry in MATRIX.items() if entry[0] in UNSAFE]


def filled(name: str, ids: dict) -> tuple[str, str, object]:
    """Return method, path and body (JSON text for the API, a dict for a page) of `name`."""
    method, path, _rule, body, _ok = MATRIX[name]
    path = path.format_map(ids)
    if body is None:
        return method, path, None
    body = {k: v.format_map(ids) if isinstance(v, str) else v for k, v in body.items()}
    if name.startswith("api:"):
        return method, path, json.dumps(body)
    return method, path, {k: str(v) for k, v in body.items()}
